"""The one refresher: renews every credential's tokens before they die, and keeps its health."""
