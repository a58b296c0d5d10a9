"""Go analysis (tree-sitter-go): `unit` plans and processes packages for the engine,
`analysis.analyse_package` analyses one directory at a time. Importing the package loads
no parser."""
