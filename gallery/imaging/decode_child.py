"""Entry point of a decode child: `python -m gallery.imaging.decode_child` (see sandbox.py)."""

from gallery.imaging.sandbox import child_main

if __name__ == "__main__":
    child_main()
