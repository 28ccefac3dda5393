"""The OCR engine's memory and thread settings (issue 15: a 1080×2400 screenshot in < 600 MB
of worker RSS, ≤ 3 s on 2 cores) are the ones in effect, and a tall screenshot is read whole."""
import io

from PIL import Image, ImageDraw, ImageFont

from evidence.lib import ocr

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def test_the_sessions_free_their_buffers_and_do_not_spin():
    engine = ocr._engine()
    for session in (engine.text_det.infer.session, engine.text_rec.session.session):
        opts = session.get_session_options()
        assert opts.enable_cpu_mem_arena is False
        assert opts.enable_mem_pattern is False
        assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert 1 <= opts.intra_op_num_threads <= 2


def test_a_tall_screenshot_is_read_from_top_to_bottom():
    img = Image.new("RGB", (1080, 2400), "white")
    d = ImageDraw.Draw(img)
    small = ImageFont.truetype(FONT, 34)
    d.text((60, 60), "顶部 13800138000", font=small, fill="black")
    d.text((60, 1200), "中间必须还款", font=small, fill="black")
    d.text((60, 2300), "底部 2026年11月20日 23:30", font=small, fill="black")
    out = io.BytesIO()
    img.save(out, "PNG")
    text = ocr.text_of(ocr.read(out.getvalue())).replace(" ", "")
    assert "13800138000" in text and "中间必须还款" in text and "2026年11月20日23:30" in text
