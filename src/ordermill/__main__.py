"""``python -m ordermill``: the command line (see ``ordermill --help``)."""

from ordermill.cli import main

if __name__ == "__main__":
    main()
