#include "core/gen/text.h"

#include <array>
#include <span>
#include <string_view>

namespace qun::gen {
namespace {

using Words = std::span<const std::string_view>;

// Slots in templates: %P product, %T time, %N number, %X topic, %I an id
// (letters and digits), %U a link, %W a lexicon-style word, %Q a QQ-like
// number.
constexpr std::string_view kZhProducts[] = {"新款保温杯", "燕麦拿铁", "会员年卡", "面霜小样", "蓝牙耳机",
                                            "儿童绘本",   "空气炸锅", "跑步鞋",   "咖啡豆",   "体验课",
                                            "防晒喷雾",   "收纳盒",   "洗碗机",   "新品礼盒"};
constexpr std::string_view kEnProducts[] = {"the new release", "the starter kit",
                                            "the pro plan",    "v2 of the SDK",
                                            "the mobile app",  "the dark theme",
                                            "the API",         "the CLI",
                                            "the beta",        "the plugin",
                                            "the free tier",   "the docs site",
                                            "the dashboard",   "the webhook integration"};
constexpr std::string_view kZhTimes[] = {"今天", "昨天", "周末", "今晚", "明天", "上周", "刚才", "早上"};
constexpr std::string_view kEnTimes[] = {"today",    "yesterday", "this weekend", "tonight",
                                         "tomorrow", "last week", "just now",     "this morning"};
constexpr std::string_view kZhTopics[] = {"打卡", "直播", "拼团", "积分", "会员日", "新品",
                                          "售后", "发货", "课程", "抽奖", "优惠券", "线下活动"};
constexpr std::string_view kEnTopics[] = {"the meetup",    "the release notes",
                                          "the roadmap",   "pricing",
                                          "the hackathon", "the AMA",
                                          "onboarding",    "the changelog",
                                          "office hours",  "the migration guide",
                                          "rate limits",   "SSO"};

constexpr std::string_view kZhChat[] = {
    "%T买了%P，用着还不错",
    "%P真的好用，推荐给大家",
    "哈哈哈哈 笑死我了",
    "%T的%X太精彩了",
    "我也是这么觉得",
    "收到，谢谢群主",
    "%P已经到货了，包装很用心",
    "刚参加完%X，收获满满",
    "大家%T都在忙什么呀",
    "打卡第%N天，继续坚持💪",
    "这个价格挺划算的",
    "有点贵，等%X再入手",
    "同款！我家也在用%P",
    "分享一下我的使用心得：%P要先预热再用",
    "今天天气真好，适合出门",
    "%X什么时候开始？我定个闹钟",
    "支持一下！",
    "晚安各位🌙",
    "早上好☀️",
    "第一次用%P，比想象的好",
    "群里好热闹啊",
    "学到了，感谢分享👍",
    "%P回购第%N次了",
    "这次的%X比上次好多了",
};
constexpr std::string_view kEnChat[] = {
    "Just tried %P %T, works great",
    "Big thanks to whoever wrote the docs for %X",
    "lol same here",
    "%X %T was awesome",
    "Agreed, that's been my experience too",
    "Upgraded to %P and it's noticeably faster",
    "Day %N of the challenge, still going",
    "Posting my setup in case it helps anyone",
    "Good morning everyone ☀️",
    "That's a clever workaround",
    "+1, would love to see this",
    "Finally got %P working with our stack",
    "Nice, thanks for sharing!",
    "Heading out, see you all tomorrow",
    "Loving the new %X format",
    "Shipped our first feature using %P 🎉",
    "Interesting take on %X",
    "Has been rock solid for %N days now",
};
constexpr std::string_view kZhQuestion[] = {
    "请问%P怎么用？",
    "%X是几点开始呀？",
    "有人知道%P什么时候补货吗？",
    "大家觉得%P值得买吗？",
    "新人求问，%X在哪里报名？",
    "积分怎么兑换啊？",
    "我的订单%T还没发货，怎么回事？",
    "%P和老款有什么区别？",
    "群里有人用过%P吗？",
    "优惠券怎么领？",
    "请问售后找谁？",
};
constexpr std::string_view kEnQuestion[] = {
    "How do I set up %P?",
    "What time does %X start?",
    "Anyone else seeing errors with %P %T?",
    "Is %P worth it for a small team?",
    "Where can I sign up for %X?",
    "Does %P support SSO?",
    "Any idea when %X will be posted?",
    "What's the difference between %P and the old version?",
    "Has anyone migrated to %P yet?",
    "Who should I ping about billing?",
};
constexpr std::string_view kZhAnswer[] = {
    "可以看群公告，里面有教程", "我%T刚用过，挺简单的",   "私聊客服就行",   "同问",
    "%X一般晚上八点开始",       "我的也是，等等看吧",     "对，就是这样",   "谢谢解答🙏",
    "在小程序里面可以领",       "我觉得值，%P用了%N天了", "哈哈我也遇到过", "+1",
};
constexpr std::string_view kEnAnswer[] = {
    "Check the pinned message, the guide is there",
    "I did that %T, it's pretty straightforward",
    "Same issue here, following",
    "Yes, exactly",
    "It's in the docs under %X",
    "Thanks, that fixed it 🙏",
    "Try restarting after the update",
    "Works for me on %P",
    "Good question, I'd like to know too",
    "+1",
};
constexpr std::string_view kZhGreeting[] = {
    "大家好，我是新来的，请多关照",   "hello 大家好👋", "新人报到！", "朋友推荐进群的，大家好",
    "大家好，扫码进来的，来学习一下", "来啦来啦",
};
constexpr std::string_view kEnGreeting[] = {
    "Hi all, new here 👋",     "Hello everyone! Found this via a friend", "Hey folks, just joined",
    "Hi! Excited to be here", "Joined from the meetup, hi everyone",
};
constexpr std::string_view kZhWelcome[] = {
    "欢迎新朋友加入！群公告里有新人福利，记得领取哦🎁",
    "欢迎欢迎～有问题随时在群里问",
    "欢迎入群，先看下群规哈",
};
constexpr std::string_view kEnWelcome[] = {
    "Welcome aboard! Check the pinned intro post to get started",
    "Welcome! Feel free to introduce yourself",
    "Glad to have you here, say hi anytime",
};
constexpr std::string_view kZhAd[] = {
    "加V: %I 领取优惠，名额有限",
    "兼职刷单，日结300，有意者加QQ %Q",
    "免费领取%P，点击 %U",
    "代购正品，微信 %I 私聊",
    "网赚项目，一天稳赚500，加微 %I",
    "博彩平台注册送彩金 %U",
    "低价代开发票，加扣扣 %Q",
    "V我 %I 拉你进福利群",
};
constexpr std::string_view kEnAd[] = {
    "Earn $500/day from home, DM me or visit %U",
    "Free crypto airdrop, claim now at %U",
    "Get 10k followers fast, contact %I on telegram",
    "Investment signals with 300% returns, join %U",
    "Cheap licenses, WhatsApp me, id %I",
};
// Lexicon-style words, as sensitive-word lists in the wild carry them.
constexpr std::string_view kZhBannedWords[] = {"兼职",   "刷单",     "代购", "博彩", "网赚",
                                               "六合彩", "代开发票", "裸聊", "赌博"};
constexpr std::string_view kEnBannedWords[] = {"casino", "viagra", "crypto pump", "escort", "betting tips"};
constexpr std::string_view kZhBannedTemplates[] = {"有没有人做%W的？", "听说有人在群里搞%W", "%W靠谱吗",
                                                   "别信那些%W的"};
constexpr std::string_view kEnBannedTemplates[] = {"anyone into %W?", "saw another %W link somewhere",
                                                   "is %W legit", "ignore the %W spam"};
constexpr std::string_view kZhPraise[] = {
    "群主很用心，内容干货多",
    "氛围很好，学到很多",
    "活动很有意思，会推荐给朋友",
    "客服响应很快，点赞",
};
constexpr std::string_view kEnPraise[] = {
    "Great community, very helpful people",
    "The content is consistently useful",
    "Fast answers from the team, love it",
    "Would recommend to any colleague",
};
constexpr std::string_view kZhComplaint[] = {
    "广告太多了",
    "问题没人回复",
    "推送太频繁",
    "发货太慢，体验不好",
};
constexpr std::string_view kEnComplaint[] = {
    "Too much promo content",
    "Questions go unanswered",
    "Too many notifications",
    "Support was slow to respond",
};
constexpr std::string_view kZhTitles[4][6] = {
    {"干货｜%P的%N个使用技巧", "新手必看：%X全攻略", "一图读懂%X", "%P保养指南", "常见问题合集（第%N期）",
     "专家答疑：%X怎么选"},
    {"限时%N折｜%P今晚开抢", "会员日福利：%P买一送一", "%X专享券已到账", "爆款%P返场", "新品首发：%P",
     "满减活动最后%N小时"},
    {"话题讨论：你最喜欢的%P是？", "晒单有礼｜分享你的%P", "投票：下一期%X做什么", "打卡挑战第%N天",
     "猜价格赢%P", "评论区抽%N位送%P"},
    {"品牌故事：我们为什么做%P", "走进工厂：%P是怎样炼成的", "创始人的一封信", "%N周年快乐", "社区公约更新",
     "我们的环保承诺"},
};
constexpr std::string_view kEnTitles[4][6] = {
    {"%N tips for %P", "A complete guide to %X", "%X explained in one picture", "Best practices for %P",
     "FAQ roundup #%N", "Expert Q&A: choosing %X"},
    {"%N% off %P, today only", "Member day: %P deals", "Your %X coupon is here", "%P is back in stock",
     "Launch: %P", "Last %N hours of the sale"},
    {"Poll: what do you use %P for?", "Show us your setup", "Vote on the next %X", "Challenge day %N",
     "Share your story, win %P", "Caption this for a prize"},
    {"Our story: why we built %P", "Behind the scenes of %P", "A letter from the founders",
     "Happy %Nth anniversary", "Community guidelines update", "Our sustainability pledge"},
};

template <size_t N>
std::string_view Pick(Rng& rng, const std::string_view (&words)[N]) {
  return words[rng.Below(N)];
}

void AppendId(std::string& out, Rng& rng, int len) {
  static constexpr char kAlnum[] = "abcdefghijkmnpqrstuvwxyz23456789";
  for (int i = 0; i < len; ++i) out.push_back(kAlnum[rng.Below(sizeof(kAlnum) - 1)]);
}

void Expand(std::string& out, std::string_view tmpl, Lang lang, Rng& rng) {
  const bool zh = lang == Lang::kZh;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c != '%' || i + 1 == tmpl.size()) {
      out.push_back(c);
      continue;
    }
    switch (tmpl[++i]) {
      case 'P':
        out += zh ? Pick(rng, kZhProducts) : Pick(rng, kEnProducts);
        break;
      case 'T':
        out += zh ? Pick(rng, kZhTimes) : Pick(rng, kEnTimes);
        break;
      case 'X':
        out += zh ? Pick(rng, kZhTopics) : Pick(rng, kEnTopics);
        break;
      case 'N':
        out += std::to_string(2 + rng.Below(29));
        break;
      case 'W':
        out += zh ? Pick(rng, kZhBannedWords) : Pick(rng, kEnBannedWords);
        break;
      case 'I':
        out += rng.Chance(0.5) ? "wx_" : "";
        AppendId(out, rng, 6 + static_cast<int>(rng.Below(4)));
        break;
      case 'Q':
        out += std::to_string(100000000 + rng.Below(899999999));
        break;
      case 'U': {
        static constexpr std::string_view kHosts[] = {"http://t.cn/", "https://bit.ly/", "http://dwz.cn/",
                                                      "https://t.me/+", "http://xn--6qq986b.com/"};
        out += Pick(rng, kHosts);
        AppendId(out, rng, 7);
        break;
      }
      case '%':
        out.push_back('%');
        break;
      default:
        out.push_back('%');
        out.push_back(tmpl[i]);
        break;
    }
  }
}

}  // namespace

void AppendMessageText(std::string& out, Lang lang, TextStyle style, Rng& rng, const Corpus* corpus) {
  const bool zh = lang == Lang::kZh;
  // Real lines from the corpus for Chinese chat and survey comments.
  if (zh && corpus != nullptr && !corpus->empty()) {
    const std::vector<std::string>* pool = nullptr;
    if (style == TextStyle::kPraise && !corpus->positive.empty()) pool = &corpus->positive;
    if (style == TextStyle::kComplaint && !corpus->negative.empty()) pool = &corpus->negative;
    if (style == TextStyle::kChat && rng.Chance(0.7)) {
      size_t n = corpus->size(), k = rng.Below(n);
      if (k < corpus->positive.size()) {
        out += corpus->positive[k];
        return;
      }
      k -= corpus->positive.size();
      if (k < corpus->negative.size()) {
        out += corpus->negative[k];
        return;
      }
      out += corpus->unlabeled[k - corpus->negative.size()];
      return;
    }
    if (pool != nullptr && rng.Chance(0.7)) {
      out += (*pool)[rng.Below(pool->size())];
      return;
    }
  }
  std::string_view t;
  switch (style) {
    case TextStyle::kChat:
      t = zh ? Pick(rng, kZhChat) : Pick(rng, kEnChat);
      break;
    case TextStyle::kQuestion:
      t = zh ? Pick(rng, kZhQuestion) : Pick(rng, kEnQuestion);
      break;
    case TextStyle::kAnswer:
      t = zh ? Pick(rng, kZhAnswer) : Pick(rng, kEnAnswer);
      break;
    case TextStyle::kGreeting:
      t = zh ? Pick(rng, kZhGreeting) : Pick(rng, kEnGreeting);
      break;
    case TextStyle::kWelcome:
      t = zh ? Pick(rng, kZhWelcome) : Pick(rng, kEnWelcome);
      break;
    case TextStyle::kAd:
      t = zh ? Pick(rng, kZhAd) : Pick(rng, kEnAd);
      break;
    case TextStyle::kBannedWord:
      t = zh ? Pick(rng, kZhBannedTemplates) : Pick(rng, kEnBannedTemplates);
      break;
    case TextStyle::kPraise:
      t = zh ? Pick(rng, kZhPraise) : Pick(rng, kEnPraise);
      break;
    case TextStyle::kComplaint:
      t = zh ? Pick(rng, kZhComplaint) : Pick(rng, kEnComplaint);
      break;
  }
  Expand(out, t, lang, rng);
}

void AppendContentTitle(std::string& out, Lang lang, ContentCategory category, Rng& rng) {
  size_t c = static_cast<size_t>(category);
  std::string_view t = lang == Lang::kZh ? kZhTitles[c][rng.Below(6)] : kEnTitles[c][rng.Below(6)];
  Expand(out, t, lang, rng);
}

void AppendEditSuffix(std::string& out, Lang lang, Rng& rng) {
  static constexpr std::string_view kZh[] = {"（已更正）", "，补充一下", "～", "！"};
  static constexpr std::string_view kEn[] = {" (edited)", ", fixed typo", " — updated", "!"};
  out += lang == Lang::kZh ? Pick(rng, kZh) : Pick(rng, kEn);
}

}  // namespace qun::gen
