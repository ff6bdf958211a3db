"""The officials' portal: Vietnamese pages rendered on the server, calling the services' HTTP APIs."""
