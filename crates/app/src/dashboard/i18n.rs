//! The dashboard's words in Chinese (the default) and English: one table per language, so a
//! missing translation is a compile error, not a blank on the page.

use yigong_domain::indicator::{AssessedRate, Headline};

/// A language of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    /// 简体中文.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// From a `lang` query value or cookie: `en` is English, anything else Chinese.
    pub(crate) fn from_code(code: Option<&str>) -> Lang {
        match code {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// The `lang` attribute and query value.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch.
    pub(crate) fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The words of this language.
    pub(crate) fn words(self) -> &'static Words {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

/// Every fixed word of the pages.
#[derive(Debug)]
pub(crate) struct Words {
    pub(crate) title: &'static str,
    pub(crate) switch_to: &'static str,
    pub(crate) sign_in: &'static str,
    pub(crate) sign_in_hint: &'static str,
    pub(crate) token: &'static str,
    pub(crate) sign_out: &'static str,
    pub(crate) refused: &'static str,
    pub(crate) signed_in_as: &'static str,
    pub(crate) as_of: &'static str,
    pub(crate) show: &'static str,
    pub(crate) headlines: &'static str,
    pub(crate) rate: &'static str,
    pub(crate) fraction: &'static str,
    pub(crate) value: &'static str,
    pub(crate) target: &'static str,
    pub(crate) national_goal: &'static str,
    pub(crate) reference: &'static str,
    pub(crate) met: &'static str,
    pub(crate) not_met: &'static str,
    pub(crate) no_data: &'static str,
    pub(crate) parts: &'static str,
    pub(crate) grids: &'static str,
    pub(crate) export: &'static str,
    pub(crate) name: &'static str,
    pub(crate) households: &'static str,
    pub(crate) permanent: &'static str,
    pub(crate) records: &'static str,
    pub(crate) record_pct: &'static str,
    pub(crate) dynamic_pct: &'static str,
    pub(crate) contract_pct: &'static str,
    pub(crate) key_population_pct: &'static str,
    pub(crate) due: &'static str,
    pub(crate) overdue: &'static str,
    pub(crate) managed: &'static str,
    pub(crate) control_pct: &'static str,
    pub(crate) total: &'static str,
    pub(crate) teams: &'static str,
    pub(crate) team: &'static str,
    pub(crate) no_team: &'static str,
    pub(crate) overdue_share: &'static str,
    pub(crate) chart_title: &'static str,
    pub(crate) not_found: &'static str,
    pub(crate) bad_date: &'static str,
    pub(crate) unavailable: &'static str,
    pub(crate) counted_note: &'static str,
    pub(crate) overview: &'static str,
    pub(crate) referrals: &'static str,
    pub(crate) from: &'static str,
    pub(crate) to: &'static str,
    pub(crate) institution: &'static str,
    pub(crate) sent_up: &'static str,
    pub(crate) sent_down: &'static str,
    pub(crate) received_up: &'static str,
    pub(crate) received_down: &'static str,
    pub(crate) answered: &'static str,
    pub(crate) in_time_pct: &'static str,
    pub(crate) median_answer: &'static str,
    pub(crate) escalated: &'static str,
    pub(crate) completed: &'static str,
    pub(crate) reported_back: &'static str,
    pub(crate) bad_span: &'static str,
    pub(crate) referrals_note: &'static str,
}

static ZH: Words = Words {
    title: "县域医共体健康管理驾驶舱",
    switch_to: "English",
    sign_in: "登录",
    sign_in_hint: "请粘贴您的访问令牌（与接口所用相同）。",
    token: "访问令牌",
    sign_out: "退出",
    refused: "令牌无效或已过期，请重新登录。",
    signed_in_as: "当前用户",
    as_of: "统计日期",
    show: "查看",
    headlines: "核心指标",
    rate: "指标",
    fraction: "分子 / 分母",
    value: "当前值",
    target: "目标",
    national_goal: "国家目标",
    reference: "参考值",
    met: "达标",
    not_met: "未达标",
    no_data: "无数据",
    parts: "下级区域",
    grids: "网格",
    export: "导出",
    name: "名称",
    households: "户数",
    permanent: "常住人口",
    records: "建档数",
    record_pct: "建档率 %",
    dynamic_pct: "档案动态使用率 %",
    contract_pct: "签约覆盖率 %",
    key_population_pct: "重点人群签约率 %",
    due: "应随访",
    overdue: "逾期",
    managed: "管理患者",
    control_pct: "控制率 %",
    total: "合计",
    teams: "家庭医生团队随访",
    team: "团队",
    no_team: "（未分配团队）",
    overdue_share: "逾期占比",
    chart_title: "各区域签约覆盖率与控制率",
    not_found: "未找到该区域。",
    bad_date: "日期格式应为 YYYY-MM-DD。",
    unavailable: "数据暂不可用，请稍后重试。",
    counted_note: "数据为实时统计；比率由分子分母汇总计算，不取平均。",
    overview: "总览",
    referrals: "双向转诊",
    from: "起始日期",
    to: "截止日期",
    institution: "机构",
    sent_up: "上转（转出）",
    sent_down: "下转（转出）",
    received_up: "上转（接收）",
    received_down: "下转（接收）",
    answered: "已应答",
    in_time_pct: "按时应答率 %",
    median_answer: "应答时间中位数（分钟）",
    escalated: "升级处理",
    completed: "已完成",
    reported_back: "已回传报告",
    bad_span: "日期格式应为 YYYY-MM-DD，且截止日期不早于起始日期、跨度不超过 366 天。",
    referrals_note: "按申请日期统计；上转、下转按转出机构与接收机构分别计数，合计中转出与接收各为全县总数。",
};

static EN: Words = Words {
    title: "County health dashboard",
    switch_to: "中文",
    sign_in: "Sign in",
    sign_in_hint: "Paste your access token (the one the API takes).",
    token: "Access token",
    sign_out: "Sign out",
    refused: "The token is invalid or has expired; sign in again.",
    signed_in_as: "Signed in as",
    as_of: "As of",
    show: "Show",
    headlines: "Headline rates",
    rate: "Rate",
    fraction: "Numerator / denominator",
    value: "Value",
    target: "Target",
    national_goal: "national goal",
    reference: "reference",
    met: "met",
    not_met: "not met",
    no_data: "no data",
    parts: "Areas within",
    grids: "Grids",
    export: "Export",
    name: "Name",
    households: "Households",
    permanent: "Permanent residents",
    records: "Records",
    record_pct: "Record %",
    dynamic_pct: "Dynamic records %",
    contract_pct: "Contract coverage %",
    key_population_pct: "Key population %",
    due: "Due",
    overdue: "Overdue",
    managed: "Managed",
    control_pct: "Control %",
    total: "Total",
    teams: "Follow-ups per family doctor team",
    team: "Team",
    no_team: "(no team)",
    overdue_share: "Overdue share",
    chart_title: "Contract coverage and control by area",
    not_found: "No such area.",
    bad_date: "Dates are written YYYY-MM-DD.",
    unavailable: "The figures are unavailable; try again shortly.",
    counted_note: "Figures are current; rates are summed from their parts, never averaged.",
    overview: "Overview",
    referrals: "Referrals",
    from: "From",
    to: "To",
    institution: "Institution",
    sent_up: "Sent upward",
    sent_down: "Sent downward",
    received_up: "Received upward",
    received_down: "Received downward",
    answered: "Answered",
    in_time_pct: "Answered in time %",
    median_answer: "Median answer (minutes)",
    escalated: "Escalated",
    completed: "Completed",
    reported_back: "Reported back",
    bad_span: "Dates are written YYYY-MM-DD; the end is not before the start, at most 366 days on.",
    referrals_note: "Counted by the day each was requested; each referral is counted once where it was sent and once where it was received.",
};

/// A headline's name.
pub(crate) fn headline(lang: Lang, h: Headline) -> &'static str {
    match (lang, h) {
        (Lang::Zh, Headline::ContractCoverage) => "家庭医生签约覆盖率",
        (Lang::En, Headline::ContractCoverage) => "Contract coverage",
        (Lang::Zh, Headline::KeyPopulationCoverage) => "重点人群签约覆盖率",
        (Lang::En, Headline::KeyPopulationCoverage) => "Key-population contract coverage",
        (Lang::Zh, Headline::DynamicRecords) => "健康档案动态使用率",
        (Lang::En, Headline::DynamicRecords) => "Dynamic records",
        (Lang::Zh, Headline::Assessed(a)) => crate::report::label(a),
        (Lang::En, Headline::Assessed(a)) => assessed_en(a),
    }
}

fn assessed_en(a: AssessedRate) -> &'static str {
    match a {
        AssessedRate::HypertensionManagement => "Hypertension management",
        AssessedRate::HypertensionStandardizedManagement => "Hypertension standardized management",
        AssessedRate::HypertensionControl => "Hypertension control",
        AssessedRate::DiabetesManagement => "Type 2 diabetes management",
        AssessedRate::DiabetesStandardizedManagement => "Type 2 diabetes standardized management",
        AssessedRate::DiabetesControl => "Type 2 diabetes control",
        AssessedRate::MentalDisorderStable => "Severe mental disorder stable",
        AssessedRate::ElderlyManagement => "Elderly (65+) management",
        AssessedRate::ElderlyCheckCoverage => "Elderly (65+) check coverage",
        AssessedRate::BloodPressureScreeningCoverage => "Blood-pressure screening (35+)",
        AssessedRate::CervicalScreeningCoverage => "Cervical cancer screening",
        AssessedRate::BreastScreeningCoverage => "Breast cancer screening",
        AssessedRate::ContractRenewal => "Contract renewal",
    }
}
