"""The approval items this plugin knows: stage, Chinese name, keywords, time limit, prerequisites.

Source: the research note ``china-approvals.md`` (sections 1.3 and 6), which
cites 国办发〔2019〕11号 for the four stages, 城乡规划法, 建筑法 and 行政许可法 for
the permits and the default licence rule, and 住建部令第13号 for drawing review.
Time limits are counted in working days on the ``cn`` calendar (行政许可法
Art. 82). The "days" (日) of 建筑法 Art. 8 for the construction permit are
counted as working days too, which is the lenient reading.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["APPROVALS", "ORDERED_AFTER", "REQUIRED_BEFORE", "STAGES", "Approval"]

#: The four stages of the 2019 reform (国办发〔2019〕11号).
STAGES = {
    1: "S1 project initiation, land and planning (立项用地规划许可)",
    2: "S2 engineering construction permit (工程建设许可)",
    3: "S3 construction permit (施工许可)",
    4: "S4 completion acceptance (竣工验收)",
}


class Approval(NamedTuple):
    """One approval item."""

    stage: int | None
    name: str
    name_zh: str
    keywords: tuple[str, ...]
    vetoes: tuple[str, ...]
    kinds: tuple[str, ...] | None
    time_limit: float | None
    basis: str


_PERMIT = ("approval", "milestone")

#: Approval items, most specific first (the first whose keywords match wins).
APPROVALS: dict[str, Approval] = {
    "completion_filing": Approval(
        4, "completion filing", "竣工验收备案", ("竣工验收备案", "completion filing"), (),
        None, 15, "within 15 days of acceptance (建设工程质量管理条例 Art. 49)",
    ),
    "planning_verification": Approval(
        4, "planning verification", "规划核实", ("规划核实", "planning verification"), (),
        None, 20, "default licence rule, 20 working days (行政许可法 Art. 42)",
    ),
    "fire_acceptance": Approval(
        4, "fire acceptance", "消防验收", ("消防验收", "fire acceptance"), (),
        None, None, "",
    ),
    "completion_acceptance": Approval(
        4, "completion acceptance", "竣工验收", ("竣工验收", "completion acceptance"),
        ("备案", "filing"), None, None, "",
    ),
    "fire_design_review": Approval(
        3, "fire design review", "消防设计审查", ("消防设计审查", "fire design review"), (),
        _PERMIT, 15, "15 working days (住建部令第51号 Art. 22)",
    ),
    "construction_drawing_review": Approval(
        3, "construction-drawing review", "施工图审查",
        ("施工图审查", "施工图联合审查", "施工图设计文件审查", "drawing review"), (),
        _PERMIT, 15, "15 working days for large works (住建部令第13号 Art. 12)",
    ),
    "construction_permit": Approval(
        3, "construction permit", "建筑工程施工许可证", ("施工许可", "construction permit"),
        ("apply for", "application", "申请", "材料"), _PERMIT, 7,
        "issue within 7 days of the application (建筑法 Art. 8)",
    ),
    "construction_engineering_planning_permit": Approval(
        2, "construction-engineering planning permit", "建设工程规划许可证",
        ("建设工程规划许可", "engineering planning permit"), (), _PERMIT, 20,
        "default licence rule, 20 working days (城乡规划法 Art. 40; 行政许可法 Art. 42)",
    ),
    "design_scheme_review": Approval(
        2, "design-scheme review", "建设工程设计方案审查",
        ("设计方案审查", "规划方案审批", "规划方案审查", "方案审查", "design scheme review",
         "design-scheme review", "planning scheme approval", "planning scheme re-approval",
         "planning scheme review"),
        ("意见", "opinion", "地铁", "metro"), _PERMIT, 20,
        "default licence rule, 20 working days (行政许可法 Art. 42)",
    ),
    "construction_land_planning_permit": Approval(
        1, "construction-land planning permit", "建设用地规划许可证",
        ("建设用地规划许可", "land-use planning permit", "land use planning permit",
         "construction-land planning permit", "construction land planning permit"), (),
        _PERMIT, 20, "default licence rule, 20 working days (城乡规划法 Arts. 37-38)",
    ),
    "land_pre_review_site_selection": Approval(
        1, "land pre-review and site selection", "建设项目用地预审与选址意见书",
        ("用地预审", "选址意见书", "land pre-review", "site selection opinion"), (),
        _PERMIT, 20, "20 days (国土资源部令第68号)",
    ),
    "project_ratification": Approval(
        1, "project ratification", "项目核准", ("项目核准", "project ratification"), (),
        _PERMIT, 20, "20 working days (企业投资项目核准和备案管理条例 Art. 10)",
    ),
    "project_filing": Approval(
        1, "project filing", "项目备案", ("项目备案", "project filing"), ("竣工",),
        _PERMIT, None, "",
    ),
    "feasibility_study_approval": Approval(
        1, "feasibility study approval", "可行性研究报告审批",
        ("可行性研究", "feasibility study"), (), _PERMIT, None, "",
    ),
    "land_assignment_contract": Approval(
        1, "land-use rights assignment contract", "国有建设用地使用权出让合同",
        ("出让合同", "land assignment contract", "land-use rights contract",
         "land use rights contract", "land grant contract"), (), None, None, "",
    ),
}

#: Prerequisites that must exist and precede the approval (the issue's example:
#: a construction permit needs the planning permit and the drawing review).
REQUIRED_BEFORE: dict[str, tuple[str, ...]] = {
    "construction_permit": (
        "construction_engineering_planning_permit",
        "construction_drawing_review",
    ),
    "completion_filing": ("completion_acceptance",),
}

#: Prerequisites that, when the project has them, must precede the approval.
ORDERED_AFTER: dict[str, tuple[str, ...]] = {
    "construction_permit": ("construction_land_planning_permit", "fire_design_review"),
    "construction_engineering_planning_permit": (
        "construction_land_planning_permit",
        "design_scheme_review",
    ),
    "construction_land_planning_permit": (
        "land_pre_review_site_selection",
        "land_assignment_contract",
        "project_ratification",
        "project_filing",
    ),
    "completion_acceptance": ("planning_verification",),
}
