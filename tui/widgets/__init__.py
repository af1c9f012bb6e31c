"""One widget per thing on screen; answers/ holds one input widget per exercise kind."""
