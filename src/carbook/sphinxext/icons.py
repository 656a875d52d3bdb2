"""Sphinx extension that draws the theme's icons as inline SVG in each page.

The theme writes an icon as an empty ``<i class="fa-solid fa-bars"></i>`` (or ``<span>``) for Font
Awesome's script to fill in; the book does not send that script (1.5 MB, see
:mod:`carbook.sphinxext.assets`). Drawn in the page, an icon costs a phone no image to decode before its
first paint: as CSS masks, each icon was an SVG document of its own, parsed while the page was first
styled (70 to 90 ms of a chapter's first paint on a phone, with the CPU slowed 4×). The ``<svg>``
keeps the element's classes and attributes, so the theme's rules and scripts (the theme switch shows
the icon of the current mode by its ``data-mode``) still find it, and it is hidden from screen
readers as Font Awesome's own drawing is; the buttons around the icons carry their labels.

The shapes are Font Awesome Free 6.5.2's solid icons, taken from the theme's copy (icons CC BY 4.0,
https://fontawesome.com/license/free). An icon the theme uses that is not here fails the build with
its name, so that a theme upgrade never leaves a button blank.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx
from sphinx.jinja2glue import BuiltinTemplateLoader
from sphinx.util import logging

from carbook.sphinxext import whitespace

logger = logging.getLogger(__name__)

# Font Awesome's name (without "fa-") -> the SVG's viewBox and its one path.
ICONS: dict[str, tuple[str, str]] = {
    "angle-left": ("0 0 320 512", "M41.4 233.4c-12.5 12.5-12.5 32.8 0 45.3l160 160c12.5 12.5 32.8 12.5 45.3 0s12.5-32.8 0-45.3L109.3 256 246.6 118.6c12.5-12.5 12.5-32.8 0-45.3s-32.8-12.5-45.3 0l-160 160z"),
    "angle-right": ("0 0 320 512", "M278.6 233.4c12.5 12.5 12.5 32.8 0 45.3l-160 160c-12.5 12.5-32.8 12.5-45.3 0s-12.5-32.8 0-45.3L210.7 256 73.4 118.6c-12.5-12.5-12.5-32.8 0-45.3s32.8-12.5 45.3 0l160 160z"),
    "arrow-up": ("0 0 384 512", "M214.6 41.4c-12.5-12.5-32.8-12.5-45.3 0l-160 160c-12.5 12.5-12.5 32.8 0 45.3s32.8 12.5 45.3 0L160 141.2V448c0 17.7 14.3 32 32 32s32-14.3 32-32V141.2L329.4 246.6c12.5 12.5 32.8 12.5 45.3 0s12.5-32.8 0-45.3l-160-160z"),
    "bars": ("0 0 448 512", "M0 96C0 78.3 14.3 64 32 64H416c17.7 0 32 14.3 32 32s-14.3 32-32 32H32C14.3 128 0 113.7 0 96zM0 256c0-17.7 14.3-32 32-32H416c17.7 0 32 14.3 32 32s-14.3 32-32 32H32c-17.7 0-32-14.3-32-32zM448 416c0 17.7-14.3 32-32 32H32c-17.7 0-32-14.3-32-32s14.3-32 32-32H416c17.7 0 32 14.3 32 32z"),
    "list": ("0 0 512 512", "M40 48C26.7 48 16 58.7 16 72v48c0 13.3 10.7 24 24 24H88c13.3 0 24-10.7 24-24V72c0-13.3-10.7-24-24-24H40zM192 64c-17.7 0-32 14.3-32 32s14.3 32 32 32H480c17.7 0 32-14.3 32-32s-14.3-32-32-32H192zm0 160c-17.7 0-32 14.3-32 32s14.3 32 32 32H480c17.7 0 32-14.3 32-32s-14.3-32-32-32H192zm0 160c-17.7 0-32 14.3-32 32s14.3 32 32 32H480c17.7 0 32-14.3 32-32s-14.3-32-32-32H192zM16 232v48c0 13.3 10.7 24 24 24H88c13.3 0 24-10.7 24-24V232c0-13.3-10.7-24-24-24H40c-13.3 0-24 10.7-24 24zM40 368c-13.3 0-24 10.7-24 24v48c0 13.3 10.7 24 24 24H88c13.3 0 24-10.7 24-24V392c0-13.3-10.7-24-24-24H40z"),
    "magnifying-glass": ("0 0 512 512", "M416 208c0 45.9-14.9 88.3-40 122.7L502.6 457.4c12.5 12.5 12.5 32.8 0 45.3s-32.8 12.5-45.3 0L330.7 376c-34.4 25.2-76.8 40-122.7 40C93.1 416 0 322.9 0 208S93.1 0 208 0S416 93.1 416 208zM208 352a144 144 0 1 0 0-288 144 144 0 1 0 0 288z"),
    "download": ("0 0 512 512", "M288 32c0-17.7-14.3-32-32-32s-32 14.3-32 32V274.7l-73.4-73.4c-12.5-12.5-32.8-12.5-45.3 0s-12.5 32.8 0 45.3l128 128c12.5 12.5 32.8 12.5 45.3 0l128-128c12.5-12.5 12.5-32.8 0-45.3s-32.8-12.5-45.3 0L288 274.7V32zM64 352c-35.3 0-64 28.7-64 64v32c0 35.3 28.7 64 64 64H448c35.3 0 64-28.7 64-64V416c0-35.3-28.7-64-64-64H346.5l-45.3 45.3c-25 25-65.5 25-90.5 0L165.5 352H64zm368 56a24 24 0 1 1 0 48 24 24 0 1 1 0-48z"),
    "expand": ("0 0 448 512", "M32 32C14.3 32 0 46.3 0 64v96c0 17.7 14.3 32 32 32s32-14.3 32-32V96h64c17.7 0 32-14.3 32-32s-14.3-32-32-32H32zM64 352c0-17.7-14.3-32-32-32s-32 14.3-32 32v96c0 17.7 14.3 32 32 32h96c17.7 0 32-14.3 32-32s-14.3-32-32-32H64V352zM320 32c-17.7 0-32 14.3-32 32s14.3 32 32 32h64v64c0 17.7 14.3 32 32 32s32-14.3 32-32V64c0-17.7-14.3-32-32-32H320zM448 352c0-17.7-14.3-32-32-32s-32 14.3-32 32v64H320c-17.7 0-32 14.3-32 32s14.3 32 32 32h96c17.7 0 32-14.3 32-32V352z"),
    "file": ("0 0 384 512", "M0 64C0 28.7 28.7 0 64 0H224V128c0 17.7 14.3 32 32 32H384V448c0 35.3-28.7 64-64 64H64c-35.3 0-64-28.7-64-64V64zm384 64H256V0L384 128z"),
    "file-pdf": ("0 0 512 512", "M0 64C0 28.7 28.7 0 64 0L224 0l0 128c0 17.7 14.3 32 32 32l128 0 0 144-208 0c-35.3 0-64 28.7-64 64l0 144-48 0c-35.3 0-64-28.7-64-64L0 64zm384 64l-128 0L256 0 384 128zM176 352l32 0c30.9 0 56 25.1 56 56s-25.1 56-56 56l-16 0 0 32c0 8.8-7.2 16-16 16s-16-7.2-16-16l0-48 0-80c0-8.8 7.2-16 16-16zm32 80c13.3 0 24-10.7 24-24s-10.7-24-24-24l-16 0 0 48 16 0zm96-80l32 0c26.5 0 48 21.5 48 48l0 64c0 26.5-21.5 48-48 48l-32 0c-8.8 0-16-7.2-16-16l0-128c0-8.8 7.2-16 16-16zm32 128c8.8 0 16-7.2 16-16l0-64c0-8.8-7.2-16-16-16l-16 0 0 96 16 0zm80-112c0-8.8 7.2-16 16-16l48 0c8.8 0 16 7.2 16 16s-7.2 16-16 16l-32 0 0 32 32 0c8.8 0 16 7.2 16 16s-7.2 16-16 16l-32 0 0 48c0 8.8-7.2 16-16 16s-16-7.2-16-16l0-64 0-64z"),
    "circle-half-stroke": ("0 0 512 512", "M448 256c0-106-86-192-192-192V448c106 0 192-86 192-192zM0 256a256 256 0 1 1 512 0A256 256 0 1 1 0 256z"),
    "moon": ("0 0 384 512", "M223.5 32C100 32 0 132.3 0 256S100 480 223.5 480c60.6 0 115.5-24.2 155.8-63.4c5-4.9 6.3-12.5 3.1-18.7s-10.1-9.7-17-8.5c-9.8 1.7-19.8 2.6-30.1 2.6c-96.9 0-175.5-78.8-175.5-176c0-65.8 36-123.1 89.3-153.3c6.1-3.5 9.2-10.5 7.7-17.3s-7.3-11.9-14.3-12.5c-6.3-.5-12.6-.8-19-.8z"),
    "chevron-down": ("0 0 512 512", "M233.4 406.6c12.5 12.5 32.8 12.5 45.3 0l192-192c12.5-12.5 12.5-32.8 0-45.3s-32.8-12.5-45.3 0L256 338.7 86.6 169.4c-12.5-12.5-32.8-12.5-45.3 0s-12.5 32.8 0 45.3l192 192z"),
    "sun": ("0 0 512 512", "M361.5 1.2c5 2.1 8.6 6.6 9.6 11.9L391 121l107.9 19.8c5.3 1 9.8 4.6 11.9 9.6s1.5 10.7-1.6 15.2L446.9 256l62.3 90.3c3.1 4.5 3.7 10.2 1.6 15.2s-6.6 8.6-11.9 9.6L391 391 371.1 498.9c-1 5.3-4.6 9.8-9.6 11.9s-10.7 1.5-15.2-1.6L256 446.9l-90.3 62.3c-4.5 3.1-10.2 3.7-15.2 1.6s-8.6-6.6-9.6-11.9L121 391 13.1 371.1c-5.3-1-9.8-4.6-11.9-9.6s-1.5-10.7 1.6-15.2L65.1 256 2.8 165.7c-3.1-4.5-3.7-10.2-1.6-15.2s6.6-8.6 11.9-9.6L121 121 140.9 13.1c1-5.3 4.6-9.8 9.6-11.9s10.7-1.5 15.2 1.6L256 65.1 346.3 2.8c4.5-3.1 10.2-3.7 15.2-1.6zM160 256a96 96 0 1 1 192 0 96 96 0 1 1 -192 0zm224 0a128 128 0 1 0 -256 0 128 128 0 1 0 256 0z"),
}

# An empty <i> or <span> with a Font Awesome style class (fa-solid, fas) among its classes.
ICON_ELEMENT = re.compile(r'<(i|span) class="([^"]*\bfa(?:-solid|s)\b[^"]*)"([^>]*)></\1>')
ICON_NAME = re.compile(r"\bfa-(?!solid\b|lg\b|xs\b|sm\b|[0-9]+x\b|fw\b)([a-z0-9-]+)")


class UnknownIcon(ValueError):
    """An icon the page asks for that :data:`ICONS` has no shape for."""


def _name(match: re.Match[str]) -> str:
    classes = match[2]
    names = [name for name in ICON_NAME.findall(classes) if name in ICONS]
    if not names:
        raise UnknownIcon(" ".join(ICON_NAME.findall(classes)) or classes)
    return names[0]


def _svg(match: re.Match[str]) -> str:
    classes, attributes, name = match[2], match[3], _name(match)
    view_box, path = ICONS[name]
    return (f'<svg class="{classes}"{attributes} viewBox="{view_box}" fill="currentColor" aria-hidden="true" '
            f'focusable="false"><path d="{path}"/></svg>')


SHAPE_ID = "cb-shape-"  # the id of a shape drawn once in a page that shows it more than once
BODY = re.compile(r"<body\b[^>]*>")
# A shape of an inline SVG that has nothing but its outline (the theme's icons, sphinx-design's chevrons).
PLAIN_PATH = re.compile(r'<path d="([^"]+)"\s*(?:/>|></path>)')
ICON_OF_PATH = {path: name for name, (_, path) in ICONS.items()}


def draw(html: str) -> str:
    """Give ``html`` with every Font Awesome icon element replaced by its inline SVG drawing, and with each
    shape it draws more than once (an icon, a chevron) written once, in a hidden ``<svg>`` at the start of
    its body, and used where it is drawn (``<use>``).

    Raises :class:`UnknownIcon` (with the icon's name) for an icon that has no shape in :data:`ICONS`."""
    return share(ICON_ELEMENT.sub(_svg, html))


def share(html: str) -> str:
    """Give ``html`` with each plain SVG path it draws more than once drawn once and used where it was."""
    body = BODY.search(html)
    counts: dict[str, int] = {}
    for path in PLAIN_PATH.findall(html):
        counts[path] = counts.get(path, 0) + 1
    repeated = [path for path, count in counts.items() if count > 1]
    shared = {path: SHAPE_ID + ICON_OF_PATH.get(path, str(index)) for index, path in enumerate(repeated)}
    if body is None or not shared:
        return html
    drawn = PLAIN_PATH.sub(lambda m: f'<use href="#{shared[m[1]]}"/>' if m[1] in shared else m[0], html)
    shapes = "".join(f'<path id="{ident}" d="{path}"/>' for path, ident in shared.items())
    at = BODY.search(drawn).end()
    return f'{drawn[:at]}\n<svg aria-hidden="true" style="display:none"><defs>{shapes}</defs></svg>{drawn[at:]}'


class IconTemplates(BuiltinTemplateLoader):
    """Sphinx's own template loader, whose pages come out with the theme's icons drawn in them and the
    templates' indentation cut (:mod:`carbook.sphinxext.whitespace`): the book names it as Sphinx's
    ``template_bridge`` (``_config.yml``), the setting for the object every page is rendered through."""

    def render(self, template: str, context: dict[str, Any]) -> str:
        output = super().render(template, context)
        if template.endswith(".html"):
            output = whitespace.collapse(output)
        try:
            return draw(output)
        except UnknownIcon as error:
            logger.warning("page %s uses the icon fa-%s, which carbook.sphinxext.icons has no shape for: add its "
                           "path from Font Awesome Free (solid) to ICONS in src/carbook/sphinxext/icons.py",
                           context.get("pagename", template), error, type="carbook", subtype="icon")
            return output


def _check_bridge(app: Sphinx) -> None:
    if app.builder.format == "html" and not isinstance(app.builder.templates, IconTemplates):
        logger.warning("carbook.sphinxext.icons draws the theme's icons only with template_bridge: "
                       "carbook.sphinxext.icons.IconTemplates in the Sphinx configuration (_config.yml)",
                       type="carbook", subtype="icon")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _check_bridge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
