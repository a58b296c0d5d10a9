"""Python analysis (libcst): `unit` plans and processes files for the engine,
`analysis.analyse_file` analyses one file. Importing the package loads no parser."""
