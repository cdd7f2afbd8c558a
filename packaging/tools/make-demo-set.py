#!/usr/bin/env python3
"""Writes the demo directory (packaging/demo/directory.yaml) and the simulator scenario
(packaging/demo/scenario.yaml) together, so people and their behaviour stay in step.

A developer tool, run by hand when the demo set changes; nothing at run time needs Python.
Division codes down to township are the real 2023 codes of 婺城区; villages are synthetic;
every person is fictitious (names like 赵某一, phones in the 1990000xxxx test range).
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "demo")

TOWNSHIPS = [("330702102", "安地镇", ["岩头村", "喻斯村", "雅宅村"]),
             ("330702204", "箬阳乡", ["箬阳村", "坑口村", "下宅村"]),
             ("330702100", "罗店镇", ["后溪村", "罗店村", "西吴村"])]   # not warned in the demo
COUNTY_ROLES = ["leader_on_duty", "emergency_bureau_head", "water_bureau_head"]
TOWNSHIP_ROLES = ["party_secretary", "township_head"]
VILLAGE_ROLES = ["village_head", "flood_chief"]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎"
DIGITS = "一二三四五六七八九十"

# How the A seat of a post behaves (answer_after from the first notice, or None = never);
# every B seat answers one minute after its own notice unless listed in B_NEVER.
A_BEHAVIOUR = {
    ("330702", "leader_on_duty"): "40s", ("330702", "emergency_bureau_head"): "1m",
    ("330702", "water_bureau_head"): "4m",            # silent past 3 minutes: its B seat is called too
    ("330702102", "party_secretary"): "50s", ("330702102", "township_head"): "2m",
    ("330702204", "party_secretary"): "45s", ("330702204", "township_head"): "6m",
    ("330702102201", "village_head"): "1m30s", ("330702102201", "flood_chief"): "5m",
    ("330702102202", "village_head"): "2m30s", ("330702102202", "flood_chief"): None,  # A and B never answer
    ("330702102203", "village_head"): "1m", ("330702102203", "flood_chief"): "12m",
    ("330702204201", "village_head"): "1m10s", ("330702204201", "flood_chief"): "2m",
    ("330702204202", "village_head"): "3m30s", ("330702204202", "flood_chief"): "1m",
    ("330702204203", "village_head"): None,           # never answers; the B seat does
    ("330702204203", "flood_chief"): "20s",
}
B_NEVER = {("330702102202", "flood_chief"), ("330702", "water_bureau_head")}
# How phones answer the 3-minute wake-up call (叫醒): those still silent at 3 minutes pick up and
# press 1, except 喻斯村's flood chiefs (ring out) and 婺城区's water bureau B seat (busy).
# Anyone not listed picks up after 20 s and presses 1.
PHONES = {("330702102202", "flood_chief", "A"): "never", ("330702102202", "flood_chief", "B"): "never",
          ("330702", "water_bureau_head", "B"): "busy", ("330702204", "township_head", "A"): "busy"}
# Who answers the 3-minute text (回复1确认收到): 箬阳乡's township head, whose phone is busy,
# texts the code back 15 s later.
TEXTS = {("330702204", "township_head", "A"): "{ reply_after: 15s }"}
# Who files the township's report-back (回报) behind the card's 回报 button, and when: 安地镇 in
# time; 箬阳乡 after the 15-minute deadline (chased, the duty officer told, then filed late).
REPORTS = {("330702102", "township_head"): ("8m", "镇长", 3, 120),
           ("330702204", "party_secretary"): ("18m", "党委书记", 2, 0)}


def main():
    areas = ['  - { code: "330700", name: 金华市, tier: city }',
             '  - { code: "330702", name: 婺城区, tier: county, parent: "330700" }']
    posts = [("330702", r) for r in COUNTY_ROLES] + [("330702", "duty_officer")]
    for code, name, villages in TOWNSHIPS:
        areas.append(f'  - {{ code: "{code}", name: {name}, tier: township, parent: "330702" }}')
        posts += [(code, r) for r in TOWNSHIP_ROLES]
    for code, _, villages in TOWNSHIPS:
        for i, v in enumerate(villages):
            vcode = f"{code}{201 + i:03d}"
            areas.append(f'  - {{ code: "{vcode}", name: {v}, tier: village, parent: "{code}", synthetic: true, '
                         f'broadcast: ["EB{vcode}01"] }}')
            posts += [(vcode, r) for r in VILLAGE_ROLES]

    people, scenario = [], []
    n = 0
    for area, role in posts:
        for seat in ("A", "B"):
            n += 1
            name = SURNAMES[(n - 1) % len(SURNAMES)] + "某" + DIGITS[(n - 1) // len(SURNAMES) % 10]
            account = f"{100000 + n}"
            people += [f"  - id: p{n:03d}", f"    name: {name}", f'    zzd: "{account}"',
                       f'    mobile: "199000{n:05d}"', "    posts:",
                       f'      - {{ area: "{area}", role: {role}, seat: {seat} }}']
            if seat == "A" and (area, role) in A_BEHAVIOUR:
                after = A_BEHAVIOUR[(area, role)]
            elif seat == "B":
                after = None if (area, role) in B_NEVER else "1m"
            else:
                after = "1m"  # duty officers and posts outside the warned area
            what = f"answer_after: {after}" if after else "answer: never"
            mobile = f"199000{n:05d}"
            phone = PHONES.get((area, role, seat), '{ answer_after: 20s, press: "1" }')
            what += f', mobile: "{mobile}", call: {phone}'
            if (area, role, seat) in TEXTS:
                what += f", text: {TEXTS[(area, role, seat)]}"
            if seat == "A" and (area, role) in REPORTS:
                when, title, villages, moved = REPORTS[(area, role)]
                what += (f", report: {{ after: {when}, commander: {name} {title}, "
                         f"villages: {villages}, moved: {moved} }}")
            scenario.append(f'  - {{ account: "{account}", {what} }}   # {name} {area} {role} {seat}')

    with open(os.path.join(OUT, "directory.yaml"), "w", encoding="utf-8") as f:
        f.write("# jiaoying demo directory, written by packaging/tools/make-demo-set.py.\n"
                "# 婺城区 with real division codes down to township (NBS 2023), synthetic villages and\n"
                "# FICTITIOUS people: every post has an A holder and a B deputy (AB岗); phone numbers are\n"
                "# in the 1990000xxxx test range; Zhezhengding accounts are made up.\n")
        f.write("areas:\n" + "\n".join(areas) + "\npeople:\n" + "\n".join(people) + "\n")
    with open(os.path.join(OUT, "scenario.yaml"), "w", encoding="utf-8") as f:
        f.write("# How the fictitious people of directory.yaml behave in the demo (jiaoying-sim plays\n"
                "# them); written by packaging/tools/make-demo-set.py. answer_after counts from the first\n"
                "# notice a person receives for a callout.\n"
                "zzd:\n  api_key: demo-api-key\n  secret_key: demo-secret-key-not-for-production\n"
                '  tenant_id: "196729"\n'
                "voice:\n  access_key_id: demo-voice-key\n  access_key_secret: demo-voice-secret-not-for-production\n"
                "# The SMS platform (same cloud account as voice): its approved signature and template.\n"
                "sms: { sign_name: 婺城防汛, template_code: SMS_DEMO_WARNING }\n"
                "# The county emergency-broadcast platform: reports playback 1 minute after the EBM;\n"
                "# 下宅村's loudspeakers stay silent (the duty officer must hear of it).\n"
                'broadcast: { ebrid: "10433070200000000010101", report_after: 1m, silent: ["330702204203"] }\n'
                "people:\n" + "\n".join(scenario) + "\ndefault: 1m\n")
    print(f"{n} people, {len(posts)} posts")


if __name__ == "__main__":
    main()
