"""Miniconda/Miniforge installers on a mirror (``catalog``) and verified, resumable
downloads (``download``); pure, used by ``conda tuna installer``."""
