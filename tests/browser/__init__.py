"""End-to-end tests in JupyterLab, in headless Chromium (see conftest.py)."""
