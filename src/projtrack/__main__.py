"""``python -m projtrack`` runs the command-line interface."""

from projtrack.cli import main

if __name__ == "__main__":
    main()
