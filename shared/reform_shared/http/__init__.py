"""HTTP seedwork shared by the services: app factory, errors, identity, health."""
