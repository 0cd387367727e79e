"""Pronounceable synthetic names: areas, places and people, in Chinese with a pinyin English form.

Names are built from syllables that carry a Chinese character and its pinyin, so the English and
Chinese names of an area say the same thing ("Anning County" / "安宁县"). They are not looked up
in any gazetteer: the territory is fictitious (its codes start with province 99).
"""

from __future__ import annotations

import numpy as np

STR = np.dtypes.StringDType()

# Place-name syllables common in Chinese toponyms (character, pinyin).
SYLLABLES: tuple[tuple[str, str], ...] = (
    ("安", "an"), ("宁", "ning"), ("平", "ping"), ("和", "he"), ("兴", "xing"), ("昌", "chang"),
    ("丰", "feng"), ("泰", "tai"), ("康", "kang"), ("福", "fu"), ("源", "yuan"), ("清", "qing"),
    ("河", "he"), ("山", "shan"), ("阳", "yang"), ("新", "xin"), ("东", "dong"), ("西", "xi"),
    ("南", "nan"), ("北", "bei"), ("长", "chang"), ("永", "yong"), ("明", "ming"), ("光", "guang"),
    ("华", "hua"), ("乐", "le"), ("天", "tian"), ("云", "yun"), ("水", "shui"), ("林", "lin"),
    ("石", "shi"), ("金", "jin"), ("玉", "yu"), ("湖", "hu"), ("泉", "quan"), ("桥", "qiao"),
    ("春", "chun"), ("溪", "xi"), ("城", "cheng"), ("嘉", "jia"),
)

# (Chinese suffix, English suffix) per level of the jurisdiction tree.
LEVEL_SUFFIX: dict[str, tuple[str, str]] = {
    "region": ("地区", "Region"),
    "prefecture": ("州", "Prefecture"),
    "county": ("县", "County"),
    "township": ("镇", "Town"),
    "community": ("社区", "Community"),
    "compound": ("小区", "Compound"),
}

# The most frequent surnames in China with rough relative weights (2020 household register).
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.6), ("杨", 3.1), ("黄", 2.5),
    ("赵", 2.3), ("吴", 2.1), ("周", 2.1), ("徐", 1.7), ("孙", 1.5), ("马", 1.5), ("朱", 1.3),
    ("胡", 1.3), ("郭", 1.2), ("何", 1.2), ("林", 1.0), ("高", 1.0), ("罗", 1.0),
)
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "文", "玲", "建", "国", "红", "梅",
         "辉", "鹏", "宇", "浩", "欣", "悦", "晨", "琳", "婷", "雪")


def area_names(rng: np.random.Generator, *, level: str, count: int) -> tuple[list[str], list[str]]:
    """`count` two-syllable names for one level: (English, Chinese)."""
    zh_suffix, en_suffix = LEVEL_SUFFIX[level]
    return compose_names(rng, count=count, zh_suffix=zh_suffix, en_suffix=en_suffix)


def compose_names(rng: np.random.Generator, *, count: int, zh_suffix: str, en_suffix: str
                  ) -> tuple[list[str], list[str]]:
    """Two syllables and a suffix: ("Anning County", "安宁县")."""
    pick = rng.integers(0, len(SYLLABLES), size=(count, 2))
    english, chinese = [], []
    for first, second in pick.tolist():
        (c1, p1), (c2, p2) = SYLLABLES[first], SYLLABLES[second]
        english.append(f"{(p1 + p2).capitalize()} {en_suffix}")
        chinese.append(f"{c1}{c2}{zh_suffix}")
    return english, chinese


def person_names(rng: np.random.Generator, *, count: int) -> np.ndarray:
    """Chinese personal names (surname + one or two given characters) as a StringDType array."""
    weights = np.array([w for _, w in SURNAMES])
    surnames = np.array([s for s, _ in SURNAMES], dtype=STR)
    given = np.array(GIVEN, dtype=STR)
    names = surnames[rng.choice(len(SURNAMES), size=count, p=weights / weights.sum())]
    names = np.strings.add(names, given[rng.integers(0, len(GIVEN), size=count)])
    two = rng.random(count) < 0.7
    second = np.where(two, given[rng.integers(0, len(GIVEN), size=count)], "")
    return np.strings.add(names, second.astype(STR))
