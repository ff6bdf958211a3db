"""The spreadsheet a commune fills in: a units sheet and an officials sheet, headers as the import reads them,
one example row each, and a sheet of the words each column accepts."""

from __future__ import annotations

import io

from reform_directory.domain.columns import CATEGORIES, ROLE_LABELS, TEMPLATE_OFFICIALS, TEMPLATE_UNITS, UNIT_KINDS

EXAMPLE_UNIT = ("vh-xh", "Phòng Văn hóa – Xã hội", "Phòng", "")
EXAMPLE_OFFICIAL = ("", "Đỗ Minh", "Trưởng phòng", "Công chức", "vh-xh", "minh@xa.gov.vn", "0912 345 678",
                    "Thành viên hội đồng", "x")


def template_xlsx() -> bytes:
    import openpyxl  # here, not at start-up (see adapters/spreadsheet.py)
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    units = workbook.active
    units.title = "Đơn vị"
    officials = workbook.create_sheet("Cán bộ")
    for sheet, headers, example in ((units, TEMPLATE_UNITS, EXAMPLE_UNIT),
                                    (officials, TEMPLATE_OFFICIALS, EXAMPLE_OFFICIAL)):
        sheet.append(list(headers))
        sheet.append(list(example))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 24
    words = workbook.create_sheet("Hướng dẫn")
    words.append(["Cột", "Giá trị nhận (không phân biệt hoa thường, có dấu hay không)"])
    words.append(["Loại (cán bộ)", ", ".join(labels[0] for labels in CATEGORIES.values())])
    words.append(["Loại đơn vị", ", ".join(labels[0] for labels in UNIT_KINDS.values())])
    words.append(["Vai trò", ", ".join(f"{labels[0]} ({code})" for code, labels in ROLE_LABELS.items()
                                       if code != "unit_head") + " — cách nhau bằng dấu phẩy"])
    words.append(["Trưởng đơn vị", "x hoặc có: trưởng đơn vị của mình; để trống nếu không"])
    words.append(["Mã cán bộ, Mã đơn vị", "để trống: tạo từ tên (Đỗ Minh -> do-minh); đã có: cập nhật"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
