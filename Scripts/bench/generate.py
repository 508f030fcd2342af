#!/usr/bin/env python3
"""Benchmark batches for signbatch, deterministic by seed.

Writes into OUT:
  batch.csv | batch.xml   N applications (XML: root <applications>, one <application> each)
  existing.csv            signatures some accounts already hold, for `signbatch ledger import`
  docs/                   the certificates the rows reference (tiny PNG/JPEG, one PDF)

The mix: every sign type and its valid remarks, Chinese, Latin and other-script names,
full-width, bracketed and padded spellings, in-batch and ledger duplicates; about 13% of
rows broken on purpose (neutral names, lengths, charsets, document types, credit codes,
ICP numbers, individuals asking for company types, bad enums, paths, malformed rows),
which with duplicates and quota comes to ~21% rejected; ~10% needing documents (none,
missing file, a PDF, no power of attorney). rows/150 accounts of uneven size, so that
about a fifth of them run into the default quota of 200. About 145 bytes per CSV row.

The same --rows/--seed give the same applications whatever the --format, so a CSV
and an XML batch of one size can be compared row for row. Standard library only.
"""

import argparse
import os
import random
import struct
import sys
import zlib

FIELDS = [
    "ref", "account_id", "account_type", "sign_name", "sign_type", "international",
    "sign_purpose", "document_type", "document_file", "commission_file", "remark",
    "product_released", "organization_name", "credit_code", "icp_number",
]
(REF, ACCOUNT, ACCOUNT_TYPE, SIGN, SIGN_TYPE, INTL, PURPOSE, DOC_TYPE, DOC_FILE,
 COMMISSION, REMARK, RELEASED, ORG, CREDIT, ICP) = range(len(FIELDS))

# GB 32100-2015 check character (SPEC §1).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check(first17):
    total = sum(USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


# Characters that never combine into a neutral word (§4.1): 通知, 会议, 服务… are
# left out so a random brand cannot be rejected as neutral by accident.
CN_BRAND_CHARS = (
    "腾讯阿里百度华为京东美团滴滴网易新浪携程拼多字节跳动快顺丰平安招商工建农光大民生兴浦发广夏邮储"
    "宁德比亚迪海尔格力联想长虹飞鹤蒙牛伊利茅台五粮液青岛燕京雪花红星恒瑞迈瑞药明康金山猎豹搜狗"
    "小红书蔚来理想鹏极氪零跑哈弗吉利奇瑞长城安踏李宁特步鸿星尔克森马太平洋人寿泰康华泰国君中信"
    "银河东方财富同花顺盛天虹永辉物美盒马叮咚朴朴钱大妈每日优鲜"
)
CN_BRAND_CHARS = "".join(dict.fromkeys(CN_BRAND_CHARS))
CN_SUFFIXES = [
    "云", "科技", "商城", "银行", "保险", "证券", "物流", "教育", "医疗", "健康", "出行", "外卖",
    "音乐", "视频", "游戏", "金融", "支付", "地产", "汽车", "旅游", "生活", "优选", "超市", "电器",
    "家居", "文化", "传媒", "集团", "控股", "能源", "航空", "快递", "药业", "食品", "餐饮", "酒店",
    "学堂", "书店", "影院", "体育", "租车", "数码", "宠物", "母婴", "钱包", "阅读", "地图", "打车",
]
CITIES = [("深圳", "粤"), ("广州", "粤"), ("上海", "沪"), ("北京", "京"), ("杭州", "浙"),
          ("南京", "苏"), ("成都", "川"), ("武汉", "鄂"), ("西安", "陕"), ("重庆", "渝"),
          ("天津", "津"), ("长沙", "湘"), ("厦门", "闽"), ("合肥", "皖"), ("济南", "鲁")]
DIVISIONS = ["440300", "440100", "310000", "110000", "330100", "320100", "510100", "420100",
             "610100", "500000", "120000", "430100", "350200", "340100", "370100"]
LATIN_SYLLABLES = [
    "zo", "ra", "vi", "ta", "lu", "na", "ko", "ri", "bel", "tor", "fin", "sol", "nex", "qua",
    "tri", "vox", "len", "dor", "mi", "sa", "ve", "lo", "cam", "pix", "ber", "gal", "hu", "jin",
    "kai", "wen", "ya", "zen", "mar", "tek", "on", "ul", "ex", "al", "io", "ar",
]
LATIN_SUFFIXES = ["Cloud", "Pay", "Bank", "Tech", "Mall", "Go", "Music", "Health", "Travel", "Labs",
                  "Mobile", "Air", "Foods", "Home", "Car", "Games", "Wallet", "Maps", "Book", "Fit"]
# International names may use any script (§1); a few per batch exercise that path.
WORLD_NAMES = ["Café Zorani", "Зорани Банк", "조라니 페이", "ゾラニ", "Ελλάς Travel", "Müller Bau",
               "São Paulo Pay", "Ñandú Foods", "Łódź Cloud", "Dağ Market"]

NEUTRAL = ["测试", "验证码", "通知", "会议通知", "验证码通知", "test", "Test1", "VerificationCode",
           "12306", "SMS", "系统消息", "客服", "notice", "OTP", "短信提醒", "DemoSample"]
BAD_CHARSET_MAINLAND = ["腾讯·云", "Acme&Co", "华为!", "=HYPERLINK", "京东 商城", "美团🚀", "Zorani-Pay",
                        "网易(游戏)", "@Zorani", "滴滴#出行"]

SIGN_TYPES = {
    0: ["company", "company", "company", "公司", "企业", "0", "Company", "enterprise"],
    1: ["app", "app", "app", "APP", "应用", "1", "application", "App"],
    2: ["website", "website", "web", "网站", "2", "site", "Website"],
    3: ["official_account", "official_account", "公众号", "3", "wechat_official_account", "Official Account"],
    4: ["trademark", "trademark", "商标", "4", "TradeMark"],
    5: ["government", "gov", "政府", "机关事业单位", "5", "institution"],
    6: ["mini_program", "mini_program", "小程序", "6", "miniprogram", "wechat_mini_program", "Mini-Program"],
}
DOC_TYPES = {
    0: ["three_in_one", "三证合一", "0", "0", "Three-In-One"],
    1: ["business_license", "营业执照", "1", "1", "Business License"],
    2: ["organization_code", "组织机构代码证书", "2", "2"],
    3: ["social_credit_code", "社会信用代码证书", "3", "3"],
    4: ["app_admin_screenshot", "4", "4"],
    5: ["icp_screenshot", "5", "5"],
    6: ["mini_program_screenshot", "6", "6"],
    7: ["trademark_certificate", "商标注册书", "7", "7"],
    8: ["official_account_screenshot", "8", "8"],
}
ENTERPRISE_DOCS = {0: [0, 1, 2, 3], 1: [0, 1, 2, 3], 2: [0, 1, 2, 3], 3: [0, 1, 2, 3],
                   4: [7], 5: [2, 3], 6: [0, 1, 2, 3]}
INDIVIDUAL_DOCS = {1: 4, 2: 5, 3: 8, 6: 6}
# Cumulative weights of the sign types an enterprise / individual applies for.
ENTERPRISE_TYPE_MIX = [(0, 30), (1, 20), (2, 15), (3, 12), (4, 8), (5, 5), (6, 10)]
INDIVIDUAL_TYPE_MIX = [(1, 35), (2, 25), (3, 20), (6, 20)]

ENTERPRISE_SPELLINGS = ["", "", "", "enterprise", "enterprise", "企业", "Company"]
INDIVIDUAL_SPELLINGS = ["individual", "individual", "personal", "个人", "Individual"]
MAINLAND_SPELLINGS = ["", "", "0", "0", "0", "mainland", "no"]
INTERNATIONAL_SPELLINGS = ["1", "1", "international", "yes", "global"]
SELF_SPELLINGS = ["", "", "", "self", "self", "自用", "0"]
OTHERS_SPELLINGS = ["others", "others", "1", "third_party", "他用"]
RELEASED_SPELLINGS = ["", "", "yes", "yes", "是", "true", "1"]
BRACKETS = [("【", "】"), ("[", "]"), ("〔", "〕"), ("〖", "〗"), ("［", "］")]
APP_STORES = [
    "https://apps.apple.com/cn/app/id{n}",
    "https://sj.qq.com/appdetail/com.{w}.{v}",
    "https://appgallery.huawei.com/app/C{n}",
    "https://app.mi.com/details?id=com.{w}.{v}",
    "https://www.wandoujia.com/apps/{n}",
]
TLDS = ["com", "cn", "com.cn", "net", "top", "net.cn"]


def weighted(mix):
    table = []
    for value, weight in mix:
        table.extend([value] * weight)
    return table


def fullwidth(text):
    """ASCII letters/digits as their full-width forms (NFKC maps them back)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def png_bytes():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + chunk(b"IEND", b""))


def jpeg_bytes():
    """A 1×1 grey baseline JPEG: one 8×8 block whose coefficients are all zero."""
    def segment(marker, payload):
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    one_code = bytes([1] + [0] * 15) + b"\x00"  # one code of length 1 for symbol 0
    return (b"\xFF\xD8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xDB, b"\x00" + bytes([1] * 64))
            + segment(0xC0, b"\x08" + struct.pack(">HH", 1, 1) + b"\x01\x01\x11\x00")
            + segment(0xC4, b"\x00" + one_code)   # DC table 0
            + segment(0xC4, b"\x10" + one_code)   # AC table 0: symbol 0 is EOB
            + segment(0xDA, b"\x01\x01\x00\x00\x3F\x00")
            + b"\x3F"                             # DC diff category 0, EOB, padding ones
            + b"\xFF\xD9")


class Account:
    __slots__ = ("id", "individual", "city", "prov", "org", "credit", "doc", "poa", "existing",
                 "held_existing", "admitted", "weight")


class Generator:
    def __init__(self, rows, seed, reject_rate, docs_rate):
        self.rows = rows
        self.rng = random.Random(seed)
        self.reject_rate = reject_rate
        self.docs_rate = docs_rate
        self.enterprise_types = weighted(ENTERPRISE_TYPE_MIX)
        self.individual_types = weighted(INDIVIDUAL_TYPE_MIX)
        self.accounts = self._make_accounts(max(1, rows // 150))
        slots = []
        for index, account in enumerate(self.accounts):
            slots.extend([index] * account.weight)
        self.slots = slots
        self.rejections = [
            (self._neutral, 12), (self._bad_length, 10), (self._bad_charset, 10),
            (self._wrong_document, 10), (self._bad_credit, 8), (self._bad_icp, 6),
            (self._individual_company, 6), (self._individual_others, 3), (self._remark_problem, 8),
            (self._unreleased, 5), (self._bad_enum, 8), (self._bad_account, 4), (self._missing, 5),
            (self._bad_path, 3), (self._malformed, 2),
        ]
        self.rejection_table = weighted([(i, w) for i, (_, w) in enumerate(self.rejections)])

    # -- accounts -------------------------------------------------------------

    def _make_accounts(self, count):
        rng = self.rng
        accounts = []
        for n in range(count):
            a = Account()
            a.individual = rng.random() < 0.10
            a.id = ("ind-%06d" if a.individual else "ent-%06d") % (n + 1)
            a.city, a.prov = rng.choice(CITIES)
            a.org = a.city + "市" + self.cn_name(rng) + "有限公司"
            body = "91" + rng.choice(DIVISIONS) + "".join(
                rng.choice(USCC_ALPHABET[:10] if i < 8 else USCC_ALPHABET) for i in range(9))
            a.credit = body + uscc_check(body)
            a.doc = "docs/%s.%s" % (a.id, "png" if rng.random() < 0.5 else "jpg")
            a.poa = "docs/%s-poa.jpg" % a.id
            # Most accounts apply for ~150 rows; some for 2-4 times that, and those
            # run into the quota of 200 (with what the ledger already holds).
            roll = rng.random()
            a.weight = 1 if roll < 0.86 else 2 if roll < 0.97 else 3
            a.existing = []
            if rng.random() < 0.25:
                for _ in range(rng.randint(5, 130)):
                    a.existing.append((self.latin_name(rng) if rng.random() < 0.3 else self.cn_name(rng)) + self.cn_suffix(rng))
            a.held_existing = list(dict.fromkeys(a.existing))
            a.admitted = []
            accounts.append(a)
        return accounts

    # -- names ----------------------------------------------------------------

    @staticmethod
    def cn_name(rng):
        chars = CN_BRAND_CHARS
        n = len(chars)
        r = rng.random()
        brand = chars[int(r * n)] + chars[int(r * n * n) % n]
        if rng.random() < 0.3:
            brand += chars[int(rng.random() * n)]
        return brand

    @staticmethod
    def cn_suffix(rng):
        return CN_SUFFIXES[int(rng.random() * len(CN_SUFFIXES))]

    @staticmethod
    def latin_name(rng):
        s = LATIN_SYLLABLES
        n = len(s)
        r = rng.random()
        word = s[int(r * n)] + s[int(r * n * n) % n]
        if rng.random() < 0.4:
            word += s[int(rng.random() * n)]
        return word.capitalize()

    def mainland_name(self):
        rng = self.rng
        if rng.random() < 0.7:
            name = self.cn_name(rng) + self.cn_suffix(rng)
            if rng.random() < 0.015:
                name += "会议通知"  # a named organization adding a neutral word is fine
            return name
        name = self.latin_name(rng)
        suffix = LATIN_SUFFIXES[int(rng.random() * len(LATIN_SUFFIXES))]
        return name + suffix if len(name) + len(suffix) <= 12 else name

    def international_name(self):
        rng = self.rng
        if rng.random() < 0.05:
            return WORLD_NAMES[int(rng.random() * len(WORLD_NAMES))]
        name = self.latin_name(rng)
        suffix = LATIN_SUFFIXES[int(rng.random() * len(LATIN_SUFFIXES))]
        return name + " " + suffix if len(name) + len(suffix) < 15 else name

    def dressed(self, name):
        """Spellings that normalization folds back into `name` (SIGN_NORMALIZED)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.40:
            open_, close = BRACKETS[int(rng.random() * len(BRACKETS))]
            return open_ + name + close
        if roll < 0.70:
            return fullwidth(name) if any(c.isascii() for c in name) else "【" + name + "】"
        if roll < 0.85:
            return "\u3000" + name + " "
        return name[:1] + "\u200b" + name[1:]

    # -- rows -----------------------------------------------------------------

    def base_row(self, ref, account):
        """A valid application of `account`: all fields consistent with the rules."""
        rng = self.rng
        row = [""] * 15
        row[REF] = ref
        row[ACCOUNT] = account.id
        individual = account.individual
        if individual:
            row[ACCOUNT_TYPE] = INDIVIDUAL_SPELLINGS[int(rng.random() * len(INDIVIDUAL_SPELLINGS))]
            code = self.individual_types[int(rng.random() * len(self.individual_types))]
        else:
            row[ACCOUNT_TYPE] = ENTERPRISE_SPELLINGS[int(rng.random() * len(ENTERPRISE_SPELLINGS))]
            code = self.enterprise_types[int(rng.random() * len(self.enterprise_types))]
        spellings = SIGN_TYPES[code]
        row[SIGN_TYPE] = spellings[int(rng.random() * len(spellings))]

        international = rng.random() < 0.08
        name = self.international_name() if international else self.mainland_name()
        if international:
            row[INTL] = INTERNATIONAL_SPELLINGS[int(rng.random() * len(INTERNATIONAL_SPELLINGS))]
        else:
            row[INTL] = MAINLAND_SPELLINGS[int(rng.random() * len(MAINLAND_SPELLINGS))]

        roll = rng.random()
        if account.admitted and roll < 0.03:
            # The same signature again, maybe spelled differently: DUPLICATE_IN_BATCH.
            name, international = account.admitted[int(rng.random() * len(account.admitted))]
            row[INTL] = "1" if international else "0"
        elif account.held_existing and roll < 0.07:
            name = account.held_existing[int(rng.random() * len(account.held_existing))]
            international = False
            row[INTL] = ""
        elif len(account.admitted) < 400:
            account.admitted.append((name, international))
        row[SIGN] = self.dressed(name) if rng.random() < 0.08 else name

        if individual:
            doc = INDIVIDUAL_DOCS[code]
        else:
            docs = ENTERPRISE_DOCS[code]
            doc = docs[int(rng.random() * len(docs))]
        spellings = DOC_TYPES[doc]
        row[DOC_TYPE] = spellings[int(rng.random() * len(spellings))]
        row[DOC_FILE] = account.doc

        if not individual and rng.random() < 0.05:
            row[PURPOSE] = OTHERS_SPELLINGS[int(rng.random() * len(OTHERS_SPELLINGS))]
            row[COMMISSION] = account.poa
        else:
            row[PURPOSE] = SELF_SPELLINGS[int(rng.random() * len(SELF_SPELLINGS))]

        if code in (1, 2, 3, 6):
            row[RELEASED] = RELEASED_SPELLINGS[int(rng.random() * len(RELEASED_SPELLINGS))]
        plain = name.replace(" ", "")
        if code == 1:
            word = "".join(c for c in plain.lower() if c.isascii()) or "app"
            row[REMARK] = APP_STORES[int(rng.random() * len(APP_STORES))].format(
                n=rng.randrange(10**9, 10**10), w=word, v=LATIN_SYLLABLES[int(rng.random() * 40)])
        elif code == 2:
            word = "".join(c for c in plain.lower() if c.isascii() and c.isalnum()) or "site%d" % rng.randrange(1000)
            tld = TLDS[int(rng.random() * len(TLDS))]
            roll = rng.random()
            if roll < 0.5:
                row[REMARK] = "www.%s.%s" % (word, tld)
            elif roll < 0.8:
                row[REMARK] = "https://%s.%s/" % (word, tld)
            else:
                row[REMARK] = "HTTPS://WWW.%s.%s:8443/index.html" % (word.upper(), tld.upper())
            if rng.random() < 0.6:
                row[ICP] = "%sICP备%08d号%s" % (account.prov, rng.randrange(10**8),
                                               "-%d" % rng.randint(1, 9) if rng.random() < 0.5 else "")
        elif code in (3, 6):
            row[REMARK] = name + ("服务号" if code == 3 else "小程序") if rng.random() < 0.6 else name + "官方"

        if not individual:
            if code == 0:
                if rng.random() < 0.85:
                    row[ORG] = account.city + "市" + plain + "有限公司"
                else:
                    row[ORG] = account.org  # another group company: SIGN_ORG_MISMATCH warning
            elif rng.random() < 0.55:
                row[ORG] = account.org
            if rng.random() < 0.55:
                row[CREDIT] = account.credit if rng.random() < 0.9 else (
                    account.credit[:6] + " " + account.credit[6:12] + "-" + account.credit[12:]).lower()
        if rng.random() < 0.002:
            # Fields that need CSV quoting: a comma, a quote, a line break.
            row[ORG] = rng.choice(['%s, Inc.', '%s "Holdings" Ltd', '%s\nBranch Office']) % (account.org,)
        return row, code

    # -- documents (needs-documents, otherwise valid) ---------------------------

    def needs_documents(self, row, account):
        rng = self.rng
        roll = rng.random()
        if roll < 0.40:
            row[DOC_FILE] = ""
        elif roll < 0.70:
            row[DOC_FILE] = "docs/%s-scan.png" % account.id
        elif roll < 0.80:
            row[DOC_FILE] = "docs/license.pdf"
        elif not account.individual:
            row[PURPOSE] = OTHERS_SPELLINGS[int(rng.random() * len(OTHERS_SPELLINGS))]
            row[COMMISSION] = "" if roll < 0.9 else "docs/%s-poa-missing.jpg" % account.id
        else:
            row[DOC_FILE] = ""

    # -- rejections: each breaks the row in one way ------------------------------

    def _neutral(self, row, code, account):
        row[SIGN] = self.rng.choice(NEUTRAL)
        if code in (3, 6):
            row[REMARK] = row[SIGN] + "服务号"

    def _bad_length(self, row, code, account):
        rng = self.rng
        intl = row[INTL] in INTERNATIONAL_SPELLINGS
        if rng.random() < 0.4:
            row[SIGN] = rng.choice(CN_BRAND_CHARS) if not intl else "Z"
        elif intl:
            row[SIGN] = "Zorani International Pay"
        else:
            row[SIGN] = account.org if rng.random() < 0.5 else "ZoraniInternationalPay"
        if code in (3, 6):
            row[REMARK] = row[SIGN] + "服务号"

    def _bad_charset(self, row, code, account):
        if row[INTL] in INTERNATIONAL_SPELLINGS:
            row[SIGN] = self.rng.choice(["Zorani-Pay", "Zorani & Co", "Zorani.com", "Zorani  (HK)"])
        else:
            row[SIGN] = self.rng.choice(BAD_CHARSET_MAINLAND)
        if code in (3, 6):
            row[REMARK] = row[SIGN] + "服务号"

    def _wrong_document(self, row, code, account):
        rng = self.rng
        if account.individual:
            doc = rng.choice([0, 1, 7, 4 if code != 1 else 5])
        elif code == 4:
            doc = rng.choice([0, 1, 3])
        elif code == 5:
            doc = rng.choice([0, 1, 7])
        else:
            doc = rng.choice([4, 5, 6, 7, 8])
        row[DOC_TYPE] = rng.choice(DOC_TYPES[doc])

    def _bad_credit(self, row, code, account):
        rng = self.rng
        good = account.credit
        roll = rng.random()
        if roll < 0.5:
            wrong = USCC_ALPHABET[(USCC_VALUES[good[17]] + rng.randint(1, 30)) % 31]
            row[CREDIT] = good[:17] + wrong
        elif roll < 0.75:
            row[CREDIT] = good[:17]
        else:
            row[CREDIT] = good[:10] + "O" + good[11:]

    def _bad_icp(self, row, code, account):
        rng = self.rng
        row[ICP] = rng.choice(["%sICP备%07d号", "ICP备%08d号", "%sICP%08d号", "%sICP备%08d"]).replace(
            "%s", account.prov) % rng.randrange(10**7)

    def _individual_company(self, row, code, account):
        row[ACCOUNT_TYPE] = self.rng.choice(INDIVIDUAL_SPELLINGS)
        row[SIGN_TYPE] = self.rng.choice(SIGN_TYPES[self.rng.choice([0, 4, 5])])
        row[REMARK] = row[ICP] = row[RELEASED] = ""

    def _individual_others(self, row, code, account):
        row[ACCOUNT_TYPE] = self.rng.choice(INDIVIDUAL_SPELLINGS)
        row[PURPOSE] = self.rng.choice(OTHERS_SPELLINGS)
        row[COMMISSION] = account.poa

    def _remark_problem(self, row, code, account):
        rng = self.rng
        if code == 1:
            row[REMARK] = rng.choice(["", "apps.apple.com/cn/app/id12345", "ftp://store.example.com/app"])
        elif code == 2:
            row[REMARK] = rng.choice(["", "localhost", "https://-bad-.com/", "www.example.123"])
        elif code in (3, 6):
            row[REMARK] = rng.choice(["", "某某官方服务号", "x" * 70])
        else:
            row[SIGN_TYPE] = rng.choice(SIGN_TYPES[1])
            row[REMARK] = ""
            row[DOC_TYPE] = rng.choice(DOC_TYPES[4 if account.individual else 1])

    def _unreleased(self, row, code, account):
        rng = self.rng
        if code in (1, 2, 3, 6):
            row[RELEASED] = rng.choice(["no", "否", "false", "0", "maybe"])
        else:
            row[INTL] = rng.choice(["2", "maybe", "hk"])

    def _bad_enum(self, row, code, account):
        rng = self.rng
        which = rng.random()
        if which < 0.35:
            row[SIGN_TYPE] = rng.choice(["sms", "brand", "品牌", "9"])
        elif which < 0.7:
            row[DOC_TYPE] = rng.choice(["passport", "身份证", "12", "licence"])
        elif which < 0.85:
            row[PURPOSE] = rng.choice(["partner", "both", "2"])
        else:
            row[ACCOUNT_TYPE] = rng.choice(["government", "vip", "团体"])

    def _bad_account(self, row, code, account):
        row[ACCOUNT] = self.rng.choice(["", "-" + account.id, account.id.replace("-", " "), account.id + "/x",
                                        "账户" + account.id[4:]])

    def _missing(self, row, code, account):
        field = self.rng.choice([SIGN, SIGN, SIGN_TYPE, DOC_TYPE])
        row[field] = "【】" if field == SIGN and self.rng.random() < 0.3 else ""

    def _bad_path(self, row, code, account):
        row[DOC_FILE] = self.rng.choice(["../outside.png", "/etc/passwd", "docs/../../x.jpg"])

    def _malformed(self, row, code, account):
        return True  # a CSV row with an extra field; an XML application with an unknown element

    # -------------------------------------------------------------------------

    def rows_iter(self):
        rng = self.rng
        slots = self.slots
        accounts = self.accounts
        reject_rate = self.reject_rate
        docs_rate = reject_rate + self.docs_rate
        table = self.rejection_table
        rejections = self.rejections
        for i in range(self.rows):
            account = accounts[slots[int(rng.random() * len(slots))]]
            row, code = self.base_row("REQ-%08d" % (i + 1), account)
            malformed = False
            roll = rng.random()
            if roll < reject_rate:
                malformed = bool(rejections[table[int(rng.random() * len(table))]][0](row, code, account))
            elif roll < docs_rate:
                self.needs_documents(row, account)
            yield row, malformed

    def existing_rows(self):
        rng = self.rng
        for account in self.accounts:
            for name in account.held_existing:
                roll = rng.random()
                status = "existing" if roll < 0.9 else "accepted" if roll < 0.95 else "needs_documents"
                yield account.id, name, status


# -- writers ------------------------------------------------------------------

def csv_cell(text):
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(path, gen):
    chunk = []
    with open(path, "w", encoding="utf-8", newline="", buffering=1 << 20) as out:
        out.write(",".join(FIELDS) + "\r\n")
        for row, malformed in gen.rows_iter():
            line = ",".join(map(csv_cell, row))
            if malformed:
                line += ",extra"
            chunk.append(line)
            if len(chunk) >= 20000:
                chunk.append("")
                out.write("\r\n".join(chunk))
                chunk = []
        if chunk:
            chunk.append("")
            out.write("\r\n".join(chunk))


def xml_text(text):
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def write_xml(path, gen):
    opens = ["<%s>" % f for f in FIELDS]
    closes = ["</%s>\n" % f for f in FIELDS]
    chunk = []
    with open(path, "w", encoding="utf-8", newline="", buffering=1 << 20) as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<applications>\n')
        for row, malformed in gen.rows_iter():
            parts = [" <application>\n"]
            for index, value in enumerate(row):
                # Exporters leave empty fields out; a few keep them as empty elements.
                if value or index == ACCOUNT:
                    parts.append("  " + opens[index] + xml_text(value) + closes[index])
            if malformed:
                parts.append("  <cost_center>CC-100</cost_center>\n")
            parts.append(" </application>\n")
            chunk.append("".join(parts))
            if len(chunk) >= 20000:
                out.write("".join(chunk))
                chunk = []
        chunk.append("</applications>\n")
        out.write("".join(chunk))


def write_documents(directory, gen):
    os.makedirs(directory, exist_ok=True)
    png, jpeg = png_bytes(), jpeg_bytes()
    for account in gen.accounts:
        for path in (account.doc, account.poa):
            with open(os.path.join(directory, os.path.basename(path)), "wb") as out:
                out.write(png if path.endswith(".png") else jpeg)
    with open(os.path.join(directory, "license.pdf"), "wb") as out:
        out.write(b"%PDF-1.4\n% not an image\n%%EOF\n")


def write_existing(path, gen):
    with open(path, "w", encoding="utf-8", newline="", buffering=1 << 20) as out:
        out.write("account_id,sign_name,international,status\n")
        out.write("".join("%s,%s,0,%s\n" % (a, csv_cell(n), s) for a, n, s in gen.existing_rows()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, required=True, help="number of applications")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["csv", "xml"], default="csv")
    parser.add_argument("--out", required=True, help="directory to write into (created)")
    parser.add_argument("--reject-rate", type=float, default=0.13,
                        help="share of rows broken on purpose; duplicates and quota add the rest of ~20%%")
    parser.add_argument("--docs-rate", type=float, default=0.11, help="share of rows missing a usable certificate")
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")

    os.makedirs(args.out, exist_ok=True)
    gen = Generator(args.rows, args.seed, args.reject_rate, args.docs_rate)
    write_documents(os.path.join(args.out, "docs"), gen)
    # Before the rows: the rows consume the same random stream whatever the format.
    write_existing(os.path.join(args.out, "existing.csv"), gen)
    batch = os.path.join(args.out, "batch." + args.format)
    tmp = batch + ".partial"
    (write_csv if args.format == "csv" else write_xml)(tmp, gen)
    os.replace(tmp, batch)
    size = os.path.getsize(batch)
    print("%s: %d rows, %d bytes (%.1f bytes/row), %d accounts"
          % (batch, args.rows, size, size / args.rows, len(gen.accounts)), file=sys.stderr)


if __name__ == "__main__":
    main()
