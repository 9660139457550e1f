"""Connect links: staff send a customer a link, the customer approves on the platform, the credential fills itself."""
