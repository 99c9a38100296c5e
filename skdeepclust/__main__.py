"""``python -m skdeepclust``: the command-line interface (see ``--help``)."""

from skdeepclust._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
