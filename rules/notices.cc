#include "rules/notices.h"

namespace jiaoying {
namespace {

constexpr NoticeTemplate kNotices[] = {
    {"notice.deputy.tag", "", "the title's tag of a B seat's call"},
    {"notice.deputy", "a_person waited", "the B seat is called: the A seat has not answered"},
    {"notice.superior.tag", "", "the title's tag of the post above being told"},
    {"notice.superior", "area_name role_zh person_name waited",
     "the post above is told a post below has not answered (a ladder step's notify: superior)"},
    {"notice.update.tag", "", "the title's tag of an update"},
    {"notice.update", "hazard_zh level_zh headline", "those who answered are told the warning changed"},
    {"notice.update.answered", "", "what follows the update for those who had answered"},
    {"notice.end.tag", "", "the title's tag of 解除"},
    {"notice.end", "headline why", "the warning ended for someone already reached (cancel, update, duty desk)"},
    {"notice.chase.tag", "", "the title's tag of 催报"},
    {"notice.chase", "area_name within within_zh", "an area's posts are chased for their overdue report-back"},
    {"notice.chase_superior", "matter", "the post above is told of an overdue report-back"},
    {"notice.digest.tag", "", "the title's tag of a duty room's digest"},
    {"notice.digest", "count warning_id", "a duty room's digest: how many matters need a hand"},
    {"notice.digest_more", "more warning_id", "the digest's last line when it lists only the first matters"},
    {"notice.desk_call.tag", "", "the title's tag of a call by hand"},
    {"notice.desk_call", "", "a person called by hand from the duty desk"},
    {"notice.desk_resend.tag", "", "the title's tag of the notice sent again by hand"},
    {"notice.desk_resend", "", "the notice sent again from the duty desk"},
    {"notice.desk_superior", "area_name person_name reason", "the posts above the silent ones told by hand"},
    {"notice.sms_codes.title", "", "the title of the text that says which reply code is which"},
    {"notice.sms_codes", "which", "a phone with several open callouts is told which code is which"},
    {"notice.sms_code_item", "code headline", "one code of that text"},
    {"notice.areas_by_shape", "", "where a warning given only by its shape (polygon, circle) is, in its messages"},
    {"notice.drill.tag", "", "the tag every message of a drill (演练) carries"},
    {"notice.drill_sender", "", "who a drill is from"},
    {"notice.drill_headline", "hazard_zh level_zh plan_title", "a drill's headline"},
    {"notice.drill_description", "", "a drill's description"},
    {"duty.silent", "post person_name waited_zh tried", "a duty room's line: a post has not answered (notify: duty_officer)"},
    {"duty.exhausted", "post person_name deadline_zh tried", "a duty room's line: a post's callout is exhausted"},
    {"duty.report_overdue", "area_name within_zh chased", "a duty room's line: an area's report-back is overdue"},
    {"duty.broadcast_none", "count names", "a duty room's line: no warned village has loudspeakers"},
    {"duty.broadcast_gap", "count names", "a duty room's line: warned villages without loudspeakers"},
    {"duty.broadcast_failed", "cancel error", "a duty room's line: the EBM (or its cancel) could not be sent"},
    {"duty.broadcast_partial", "count names", "a duty room's line: the loudspeakers played in only some villages"},
    {"duty.broadcast_play_failed", "desc", "a duty room's line: the platform reports the playback failed"},
    {"duty.broadcast_unconfirmed", "last", "a duty room's line: no playback report by its deadline"},
    {"duty.desk", "reason", "a duty room's line: raised by hand at the duty desk"},
    // The pages a person opens from a card: 收到, and the report-back form. Their text is
    // escaped when the page is made; the form's values are escaped before it is filled.
    {"page.invalid.title", "", "the title of a page for a forged or broken link"},
    {"page.ack_invalid", "", "a 收到 link whose token does not check"},
    {"page.report_invalid", "", "a 回报 link whose token does not check"},
    {"page.answered.title", "", "the title of the page that confirms 收到"},
    {"page.answered", "person_name headline", "收到 recorded"},
    {"page.already_answered", "", "收到 pressed again"},
    {"page.ended.title", "", "the title of a page for a warning that has ended"},
    {"page.ack_ended", "", "收到 after the warning ended"},
    {"page.report_ended", "", "回报 after the warning ended"},
    {"page.unknown.title", "", "the title of a page for a callout that does not exist"},
    {"page.unknown", "", "a link to a callout that does not exist"},
    {"page.not_owed.title", "", "the title of the page for an area that owes no report-back"},
    {"page.not_owed", "", "回报 from an area that owes none"},
    {"page.not_form.title", "", "the title of the page for a report-back not sent by the form"},
    {"page.not_form", "", "a report-back posted in another format"},
    {"page.report_form.title", "area_name", "the report-back form's title"},
    {"page.report_form", "headline due late error c t", "the report-back form (HTML; the values come escaped)"},
    {"page.report_filed_before", "", "the form opened again after filing"},
    {"page.need_commander", "", "the form filed without who commands"},
    {"page.bad_villages", "", "the form filed with a bad number of villages"},
    {"page.bad_moved", "", "the form filed with a bad number of people moved"},
    {"page.note_too_long", "", "the form filed with too long a note"},
    {"page.amended.title", "", "the title of the page that confirms an amended report-back"},
    {"page.amended", "area_name", "a report-back amended"},
    {"page.refused.title", "", "the title of the page when a report-back cannot be filed"},
    {"page.filed.title", "", "the title of the page that confirms a report-back"},
    {"page.filed", "area_name late", "a report-back filed"},
};

}  // namespace

std::span<const NoticeTemplate> notice_templates() { return kNotices; }

const NoticeTemplate* find_notice_template(std::string_view name) {
  for (const NoticeTemplate& n : kNotices)
    if (n.name == name) return &n;
  return nullptr;
}

}  // namespace jiaoying
