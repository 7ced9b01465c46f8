"""Formatters: each turns a finished Report into text. They see nothing but the report."""
