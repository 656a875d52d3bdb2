"""From pages to the site: the Sphinx extension, notebook execution, the published data package."""
