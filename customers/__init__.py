"""The support desk's customer view: one tenant's credentials on every platform on one page, and finding a tenant."""
