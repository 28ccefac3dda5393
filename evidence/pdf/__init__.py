"""The PDF layout engine shared by catalog.pdf and the complaint letters: fonts, text cleaning, layout."""
