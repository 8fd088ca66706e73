"""The data products of convai-lake, layer by layer: raw -> normalised -> warehouse."""
