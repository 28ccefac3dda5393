"""The evidence bundle (证据包): writing it, its catalog, signing, verifying, exporting."""
