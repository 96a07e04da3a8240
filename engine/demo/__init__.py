"""The demo organisation loaders (design notes, section 4)."""
