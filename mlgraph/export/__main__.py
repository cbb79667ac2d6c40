"""`python -m mlgraph.export NOTEBOOK [-o PAGE]`: one notebook as an offline page."""

from mlgraph.export import main

if __name__ == "__main__":
    main()
