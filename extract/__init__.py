"""Extractors: source text -> typed records with provenance.

`msakb.extract.parsers.PARSERS` maps each kind of source to its parser (extract/kinds/<kind>/);
the pieces they share are in extract/shared/, the generic candidate extractor in
extract/candidates/, the rules as data in extract/patterns/. This package's face imports
nothing, so that a module of extract/shared/ can be imported on its own.
"""
