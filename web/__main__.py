"""`python -m web`: serve the web app (see web/serve.py)."""

from .serve import main

main()
