import sys

from carbook.cli import main

sys.exit(main())
