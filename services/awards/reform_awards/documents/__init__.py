"""Printable and exportable documents of the awards service: the certificate (Giấy khen, Bằng khen), the register."""
