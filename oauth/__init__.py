"""The OAuth protocol side of the console, no views: clients built from a platform's declaration.

`client` talks to a platform (Authlib), `origins` points real origins elsewhere for tests and
demos, `errors` turns what a platform answers into a short reason and says whether it is
worth retrying. Connect links and the refresh worker build on these; nothing here names a
platform.
"""
