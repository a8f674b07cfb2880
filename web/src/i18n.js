// UI strings in English and Simplified Chinese. Metric names follow the
// operators' usual terms (日活/周活/月活, 留存, 漏斗).
const STRINGS = {
  en: {
    brand: 'qun', tagline: 'Community operations',
    signin_title: 'Sign in', signin_hint: 'Paste an API token (qun token create --role viewer --name you).',
    token: 'Token', signin: 'Sign in', signout: 'Sign out', bad_token: 'That token was not accepted.',
    nav_overview: 'Overview', nav_members: 'Members', nav_retention: 'Retention', nav_funnels: 'Funnels',
    nav_communities: 'Communities',
    all_communities: 'All communities', range_days: 'Last {n} days', range_all: 'All time',
    kpi_members: 'Members', kpi_events: 'Events', kpi_dau: 'DAU', kpi_wau: 'WAU', kpi_mau: 'MAU',
    kpi_stickiness: 'Stickiness (DAU/MAU)', kpi_communities: 'Communities',
    chart_active: 'Daily, weekly and monthly active members', chart_lifecycle: 'Active population by lifecycle (weekly)',
    chart_heatmap: 'Peak hours: messages by weekday × hour', anomalies: 'Anomalies (DAU outside its expected band)',
    no_anomalies: 'No anomalies in this range.', expected: 'Expected', anomaly_up: 'above', anomaly_down: 'below',
    lc_new: 'New', lc_returning: 'Returning', lc_resurrecting: 'Resurrecting', lc_dormant: 'Dormant',
    weekdays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
    search: 'Search name, account or member #', members_total: '{n} members', member: 'Member',
    name: 'Name', accounts: 'Accounts', events: 'Events', first_seen: 'First seen', last_seen: 'Last seen',
    prev: 'Previous', next: 'Next', back: '← Members', attributes: 'Attributes', timeline: 'Timeline',
    merges: 'Identity merges', none: 'None', when: 'When', type: 'Type', community: 'Community', account: 'Account',
    load_more: 'Load more', retention_title: 'Cohort retention', cohort: 'Cohort', size: 'Size',
    granularity: 'Granularity', day: 'Day', week: 'Week', month: 'Month', retention_hint: 'Share of each cohort (first seen in the period) active k periods later.',
    funnel_title: 'Funnel', steps: 'Steps (event types, in order)', window_days: 'Window (days)', run: 'Run',
    funnel_allowed: 'Step types:', step: 'Step', count: 'Members', from_prev: 'From previous', from_first: 'From first', dropped: 'Dropped',
    communities_title: 'Communities', platform: 'Platform', error: 'Error', loading: 'Loading…', empty: 'No data yet.',
    no_access: 'Your token’s role cannot see this page ({role}).', lang: '中文',
  },
  zh: {
    brand: 'qun 群', tagline: '社群运营',
    signin_title: '登录', signin_hint: '粘贴 API 令牌（qun token create --role viewer --name 你的名字）。',
    token: '令牌', signin: '登录', signout: '退出', bad_token: '令牌无效。',
    nav_overview: '概览', nav_members: '成员', nav_retention: '留存', nav_funnels: '漏斗', nav_communities: '社群',
    all_communities: '全部社群', range_days: '近 {n} 天', range_all: '全部时间',
    kpi_members: '成员数', kpi_events: '事件数', kpi_dau: '日活', kpi_wau: '周活', kpi_mau: '月活',
    kpi_stickiness: '粘性（日活/月活）', kpi_communities: '社群数',
    chart_active: '日活 / 周活 / 月活', chart_lifecycle: '活跃人群生命周期（按周）',
    chart_heatmap: '高峰时段：按星期 × 小时的消息数', anomalies: '异常（日活超出预期区间）',
    no_anomalies: '该时间段没有异常。', expected: '预期值', anomaly_up: '高于', anomaly_down: '低于',
    lc_new: '新增', lc_returning: '持续活跃', lc_resurrecting: '回流', lc_dormant: '沉睡',
    weekdays: ['周一', '周二', '周三', '周四', '周五', '周六', '周日'],
    search: '搜索名称、账号或成员编号', members_total: '共 {n} 位成员', member: '成员',
    name: '名称', accounts: '账号', events: '事件', first_seen: '首次出现', last_seen: '最近出现',
    prev: '上一页', next: '下一页', back: '← 成员', attributes: '属性', timeline: '时间线',
    merges: '身份合并', none: '无', when: '时间', type: '类型', community: '社群', account: '账号',
    load_more: '加载更多', retention_title: '同期群留存', cohort: '同期群', size: '人数',
    granularity: '粒度', day: '日', week: '周', month: '月', retention_hint: '每个同期群（在该周期首次出现）在 k 个周期后仍活跃的比例。',
    funnel_title: '漏斗', steps: '步骤（事件类型，按顺序）', window_days: '时间窗口（天）', run: '运行',
    funnel_allowed: '可用步骤类型：', step: '步骤', count: '人数', from_prev: '较上一步', from_first: '较第一步', dropped: '流失',
    communities_title: '社群', platform: '平台', error: '错误', loading: '加载中…', empty: '暂无数据。',
    no_access: '你的令牌角色（{role}）无权查看此页。', lang: 'English',
  },
};

let lang = localStorage.getItem('qun.lang') || ((navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en');

export function t(key, vars) {
  let s = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  if (vars && typeof s === 'string') for (const [k, v] of Object.entries(vars)) s = s.replace('{' + k + '}', v);
  return s;
}
export function getLang() { return lang; }
export function setLang(l) { lang = l; localStorage.setItem('qun.lang', l); document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en'; }
export function fmtNum(n) { return n === null || n === undefined ? '–' : Number(n).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US'); }
export function fmtPct(x) { return x === null || x === undefined ? '–' : (x * 100).toFixed(1) + '%'; }
