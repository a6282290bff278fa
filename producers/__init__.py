"""Producers: farms and makers, their members, and their catalogue (Oscar partner + products)."""
