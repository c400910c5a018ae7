"""Storage: the SQLite connection, migrations and one repository per aggregate.

Every SQL statement of the project lives in this package.
"""
