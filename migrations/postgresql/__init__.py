"""Marks this folder as package data for setuptools (see bot/shipped/__init__.py): the PostgreSQL twins."""
