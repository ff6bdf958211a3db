"""The demo communes' data, modelled on seed 000 (xã Ninh Giang, Hải Phòng): units, initiatives, a council.

Several demo communes share the shape of seed 000 (the same offices, a village, three initiatives, a
five-member council) with their own people and titles; any other commune id gets the Ninh Giang set under
its own name. `reform_node.demo` loads them (and re-exports these names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COMMUNE = "ninh-giang"
DEMO_COMMUNES: dict[str, str] = {
    "ninh-giang": "xã Ninh Giang",
    "an-lao": "xã An Lão",
    "tien-lang": "xã Tiên Lãng",
    "kien-thuy": "xã Kiến Thụy",
}
"""The demo communes (id -> name), for a city node and its commune nodes."""

SECRETARY_ID = "vhxh-thu-ky"
SEED_000_SIGNER = "Nguyễn Thị Huê"
"""Who signs seed 000 (Chủ tịch UBND xã Ninh Giang): the demo chairman of Ninh Giang."""


def _units(village_id: str, village: str) -> list[dict[str, Any]]:
    return [
        {"unit_id": "vp-hdnd-ubnd", "name": "Văn phòng HĐND và UBND xã"},
        {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
        {"unit_id": "kinh-te", "name": "Phòng Kinh tế"},
        {"unit_id": "tt-phvhcc", "name": "Trung tâm Phục vụ hành chính công xã"},
        {"unit_id": village_id, "name": village},
    ]


UNITS = _units("thon-dong", "Thôn Đông")

INITIATIVES: list[dict[str, Any]] = [
    {
        "title": "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Trung tâm Phục vụ hành chính công",
        "unit": UNITS[3],
        "author_kind": "individual",
        "authors": [
            {"user_id": "nguyen-thi-lan", "name": "Nguyễn Thị Lan",
             "position": "Công chức Tư pháp – Hộ tịch", "unit_id": "tt-phvhcc"}
        ],
        "field": "g",
        "summary": (
            "Quét và ký số toàn bộ hồ sơ tiếp nhận, trả kết quả điện tử để người dân "
            "không phải nộp lại giấy tờ."
        ),
        "problem": "Hồ sơ giấy lưu trữ phân tán, người dân phải nộp lại giấy tờ đã có.",
        "solution": "Số hóa ngay khi tiếp nhận, gắn mã hồ sơ, lưu kho dữ liệu dùng chung của xã.",
        "novelty": {"kind": "first_applied", "where": "Trung tâm Phục vụ hành chính công xã Ninh Giang",
                    "since": "2025-10-01", "description": "Áp dụng lần đầu tại xã."},
        "effectiveness": {
            "indicators": [{"name": "Thời gian tra cứu hồ sơ", "unit": "giờ", "before": 16, "after": 0.25}],
            "description": "Thời gian tra cứu hồ sơ giảm từ 2 ngày làm việc xuống 15 phút.",
        },
        "replication_scope": "Toàn bộ các xã, phường của thành phố.",
    },
    {
        "title": "Tra cứu tiến độ hồ sơ qua Zalo OA của UBND xã",
        "unit": UNITS[0],
        "author_kind": "individual",
        "authors": [{"user_id": "tran-van-hung", "name": "Trần Văn Hùng", "position": "Chuyên viên Văn phòng",
                     "unit_id": "vp-hdnd-ubnd"}],
        "field": "c",
        "summary": (
            "Người dân nhận thông báo và tra cứu tình trạng hồ sơ thủ tục hành chính qua Zalo, "
            "không cần đến trụ sở."
        ),
        "effectiveness": {"expected_benefit": "Giảm 40% lượt người dân đến hỏi tiến độ hồ sơ."},
    },
    {
        "title": "Bộ tiêu chí chấm điểm thi đua cải cách hành chính cho các thôn",
        "unit": UNITS[4],
        "author_kind": "collective",
        "authors": [],
        "field": "a",
        "summary": "Bộ tiêu chí chấm điểm hằng quý giúp các thôn tự đánh giá kết quả cải cách hành chính.",
    },
]
"""Ninh Giang's initiatives (seed 000)."""

COUNCIL: dict[str, Any] = {
    "decision_number": "215/QĐ-UBND",
    "members": [
        {"user_id": "vu-van-nam", "name": "Vũ Văn Nam", "role": "chair"},
        {"user_id": SECRETARY_ID, "name": "Phạm Thu Hà", "role": "secretary", "unit_id": "vh-xh"},
        {"user_id": "do-minh", "name": "Đỗ Minh", "unit_id": "vh-xh", "heads_unit": True},
        {"user_id": "hoang-thu", "name": "Hoàng Thị Thu", "unit_id": "kinh-te"},
        {"user_id": "tran-van-hung", "name": "Trần Văn Hùng", "unit_id": "vp-hdnd-ubnd"},
    ],
}
"""Ninh Giang's evaluation council (default rubric from the seeds); Trần Văn Hùng is conflicted on his own
initiative."""


@dataclass(frozen=True)
class DemoCommune:
    """Everything the demo loads for one commune, and how the demo council judges it."""

    commune_id: str
    commune_name: str
    units: list[dict[str, Any]]
    initiatives: list[dict[str, Any]]
    council: dict[str, Any]
    chairman: dict[str, str]
    """The commune chairman (Chủ tịch UBND): signs the recognition decision."""
    recognition_decision: str
    merit: dict[str, str]
    """Title -> "high", "good" or "weak": how the demo council scores it (weak is not recognised)."""

    @property
    def secretary_name(self) -> str:
        return next(str(m["name"]) for m in self.council["members"] if m["user_id"] == SECRETARY_ID)


def _initiative(title: str, unit: dict[str, Any], author: tuple[str, str, str] | None, field: str, summary: str,
                **more: Any) -> dict[str, Any]:
    authors = ([{"user_id": author[0], "name": author[1], "position": author[2], "unit_id": unit["unit_id"]}]
               if author else [])
    return {"title": title, "unit": unit, "author_kind": "individual" if author else "collective",
            "authors": authors, "field": field, "summary": summary, **more}


def _council(number: str, chair: tuple[str, str], secretary: str, head_vhxh: tuple[str, str],
             economy: tuple[str, str], office_author: tuple[str, str]) -> dict[str, Any]:
    return {"decision_number": number, "members": [
        {"user_id": chair[0], "name": chair[1], "role": "chair"},
        {"user_id": SECRETARY_ID, "name": secretary, "role": "secretary", "unit_id": "vh-xh"},
        {"user_id": head_vhxh[0], "name": head_vhxh[1], "unit_id": "vh-xh", "heads_unit": True},
        {"user_id": economy[0], "name": economy[1], "unit_id": "kinh-te"},
        {"user_id": office_author[0], "name": office_author[1], "unit_id": "vp-hdnd-ubnd"},
    ]}


def _an_lao(name: str) -> DemoCommune:
    units = _units("thon-doai", "Thôn Đoài")
    toan = ("nguyen-van-toan", "Nguyễn Văn Toàn", "Chuyên viên Văn phòng")
    initiatives = [
        _initiative(
            "Chứng thực bản sao điện tử từ bản chính, trả kết quả có chữ ký số qua Cổng Dịch vụ công",
            units[3], ("le-thi-hanh", "Lê Thị Hạnh", "Công chức Tư pháp – Hộ tịch"), "g",
            "Tiếp nhận bản chính, số hóa và ký số bản sao, trả kết quả vào tài khoản định danh điện tử của người dân.",
            problem="Người dân phải đến Trung tâm hai lần để nộp và nhận bản sao chứng thực giấy.",
            solution="Chứng thực ngay trên môi trường điện tử; bản sao điện tử dùng được nhiều lần.",
            novelty={"kind": "first_applied", "where": f"Trung tâm Phục vụ hành chính công {name}",
                     "since": "2025-11-03", "description": "Áp dụng lần đầu tại xã."},
            effectiveness={"indicators": [{"name": "Thời gian trả kết quả chứng thực", "unit": "giờ",
                                           "before": 24, "after": 1}],
                           "description": "Trả kết quả trong 1 giờ thay vì ngày làm việc tiếp theo."},
            replication_scope="Các xã, phường có Trung tâm Phục vụ hành chính công.",
        ),
        _initiative(
            "Phiếu hẹn và thông báo trả kết quả thủ tục hành chính qua tin nhắn SMS", units[0], toan, "c",
            "Người dân nhận phiếu hẹn, lời nhắc bổ sung hồ sơ và thông báo trả kết quả qua tin nhắn SMS.",
            effectiveness={"expected_benefit": "Giảm 30% lượt người dân gọi điện, đến trụ sở hỏi lịch hẹn."},
        ),
        _initiative(
            "Tổ công nghệ số cộng đồng hướng dẫn người dân Thôn Đoài nộp hồ sơ trực tuyến", units[4], None, "g",
            "Tổ công nghệ số cộng đồng hướng dẫn tận nhà cách dùng VNeID và nộp hồ sơ dịch vụ công trực tuyến.",
        ),
    ]
    council = _council("187/QĐ-UBND", ("pham-quang-vinh", "Phạm Quang Vinh"), "Đinh Thị Ngọc",
                       ("ngo-van-son", "Ngô Văn Sơn"), ("luong-thi-yen", "Lương Thị Yến"), toan[:2])
    return DemoCommune("an-lao", name, units, initiatives, council,
                       {"user_id": "chu-tich-ubnd", "name": "Hoàng Văn Tuấn"}, "264/QĐ-UBND",
                       dict(zip([i["title"] for i in initiatives], ["good", "high", "weak"], strict=True)))


def _tien_lang(name: str) -> DemoCommune:
    units = _units("thon-nam", "Thôn Nam")
    mai = ("dao-thi-mai", "Đào Thị Mai", "Chuyên viên Văn phòng")
    initiatives = [
        _initiative(
            "Liên thông điện tử đăng ký khai sinh, thường trú và cấp thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi",
            units[3], ("pham-van-duc", "Phạm Văn Đức", "Công chức Tư pháp – Hộ tịch"), "c",
            "Một lần nộp hồ sơ, cha mẹ nhận giấy khai sinh, xác nhận thường trú và thẻ bảo hiểm y tế của trẻ.",
            problem="Cha mẹ phải nộp ba bộ hồ sơ ở ba nơi và đi lại nhiều lần.",
            solution="Tiếp nhận một lần, chuyển hồ sơ điện tử giữa hộ tịch, công an xã và bảo hiểm xã hội.",
            novelty={"kind": "trial", "where": f"Trung tâm Phục vụ hành chính công {name}",
                     "since": "2025-12-01", "description": "Áp dụng thử từ tháng 12/2025."},
            effectiveness={"indicators": [{"name": "Số lần người dân phải đến trụ sở", "unit": "lần",
                                           "before": 3, "after": 1}],
                           "description": "Người dân chỉ đến một lần; thời gian giải quyết còn 5 ngày làm việc."},
            replication_scope="Toàn thành phố.",
        ),
        _initiative(
            "Theo dõi hạn xử lý văn bản chỉ đạo của UBND xã trên phần mềm quản lý văn bản và điều hành",
            units[0], mai, "a",
            "Mỗi văn bản chỉ đạo có hạn xử lý, người phụ trách và lời nhắc tự động trước hạn ba ngày.",
            effectiveness={"expected_benefit": "Không còn văn bản chỉ đạo quá hạn xử lý mà không được nhắc."},
        ),
        _initiative(
            "Hòm thư góp ý bằng mã QR tại nhà văn hóa Thôn Nam", units[4], None, "h",
            "Người dân quét mã QR để góp ý và đánh giá mức độ hài lòng; thôn tổng hợp gửi UBND xã hằng tháng.",
        ),
    ]
    council = _council("342/QĐ-UBND", ("tran-duc-long", "Trần Đức Long"), "Mai Thị Hương",
                       ("vu-thi-lien", "Vũ Thị Liên"), ("nguyen-huu-phuoc", "Nguyễn Hữu Phước"), mai[:2])
    return DemoCommune("tien-lang", name, units, initiatives, council,
                       {"user_id": "chu-tich-ubnd", "name": "Lê Văn Cường"}, "415/QĐ-UBND",
                       dict(zip([i["title"] for i in initiatives], ["high", "good", "weak"], strict=True)))


def _kien_thuy(name: str) -> DemoCommune:
    units = _units("thon-bac", "Thôn Bắc")
    khai = ("bui-van-khai", "Bùi Văn Khải", "Chuyên viên Văn phòng")
    initiatives = [
        _initiative(
            "Thanh toán phí, lệ phí thủ tục hành chính bằng mã QR tại Bộ phận một cửa",
            units[3], ("vu-thi-thanh-huyen", "Vũ Thị Thanh Huyền", "Công chức Tài chính – Kế toán"), "g",
            "Mỗi hồ sơ có mã QR thanh toán phí, lệ phí; biên lai điện tử tự động gửi cho người dân.",
            problem="Thu tiền mặt, viết biên lai tay, cuối ngày đối chiếu mất nhiều thời gian.",
            solution="Đưa mã QR thanh toán vào phiếu tiếp nhận; biên lai điện tử được đối soát tự động.",
            novelty={"kind": "first_applied", "where": f"Bộ phận một cửa {name}", "since": "2025-10-15",
                     "description": "Áp dụng lần đầu tại xã."},
            effectiveness={"indicators": [{"name": "Tỷ lệ hồ sơ thanh toán trực tuyến", "unit": "%",
                                           "before": 12, "after": 68}],
                           "description": "Hơn hai phần ba số hồ sơ có phí được thanh toán không dùng tiền mặt."},
            replication_scope="Các xã, phường của thành phố.",
        ),
        _initiative(
            "Số hóa sổ tiếp công dân và theo dõi giải quyết đơn thư của UBND xã", units[0], khai, "a",
            "Sổ tiếp công dân điện tử gắn với từng đơn thư, có hạn giải quyết và lời nhắc cho người phụ trách.",
            effectiveness={"expected_benefit": "Tra cứu ngay lịch sử tiếp công dân, không để đơn thư quá hạn."},
        ),
        _initiative(
            "Họp thôn không giấy: gửi thông báo, tài liệu họp Thôn Bắc qua nhóm Zalo", units[4], None, "c",
            "Thôn gửi thông báo, tài liệu họp và lấy ý kiến qua nhóm Zalo của thôn, giảm in ấn và thời gian triệu tập.",
        ),
    ]
    council = _council("276/QĐ-UBND", ("do-van-hai", "Đỗ Văn Hải"), "Trịnh Thị Lan Anh",
                       ("phan-van-quy", "Phan Văn Quý"), ("cao-thi-nga", "Cao Thị Nga"), khai[:2])
    return DemoCommune("kien-thuy", name, units, initiatives, council,
                       {"user_id": "chu-tich-ubnd", "name": "Nguyễn Đức Thắng"}, "351/QĐ-UBND",
                       dict(zip([i["title"] for i in initiatives], ["good", "weak", "high"], strict=True)))


def _seed_000(commune: str, name: str) -> DemoCommune:
    """Ninh Giang's set; another commune id gets it under its own name."""
    initiatives = [dict(i) for i in INITIATIVES]
    novelty = dict(initiatives[0]["novelty"])
    novelty["where"] = f"Trung tâm Phục vụ hành chính công {name}"
    initiatives[0]["novelty"] = novelty
    chairman = SEED_000_SIGNER if commune == COMMUNE else "Nguyễn Hữu Thành"
    return DemoCommune(commune, name, UNITS, initiatives, COUNCIL, {"user_id": "chu-tich-ubnd", "name": chairman},
                       "298/QĐ-UBND",
                       dict(zip([i["title"] for i in initiatives], ["high", "good", "weak"], strict=True)))


_BUILDERS = {"an-lao": _an_lao, "tien-lang": _tien_lang, "kien-thuy": _kien_thuy}


def demo_commune(commune: str = COMMUNE, commune_name: str | None = None) -> DemoCommune:
    """The demo data of a commune: its own for the DEMO_COMMUNES, Ninh Giang's under its name otherwise."""
    name = commune_name or DEMO_COMMUNES.get(commune) or f"xã {commune}"
    builder = _BUILDERS.get(commune)
    return builder(name) if builder else _seed_000(commune, name)
