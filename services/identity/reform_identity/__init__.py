"""The identity service: the node's OpenID Connect provider, accounts of the directory's officials."""
