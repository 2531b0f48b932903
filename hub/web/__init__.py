"""The open data portal: the project directory, project pages, sign-in, the operator console and partner pages.

Served by ``hub up`` on the API's port; see docs/portal.md.
"""
