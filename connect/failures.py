"""What the customer is told when a connection cannot go on."""


class ConnectFailed(Exception):
    """A title and a plain sentence for the customer, and a reason for the log; none carries a
    token, code, state or secret."""

    def __init__(self, title, message, *, reason, status=400):
        super().__init__(reason)
        self.title = title
        self.message = message
        self.reason = reason
        self.status = status


START_AGAIN = "Open the link you were sent again to start over."
ASK_FOR_A_NEW_LINK = "Ask the person who sent it for a new link."
