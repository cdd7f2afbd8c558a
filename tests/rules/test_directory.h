// A small directory for the rules tests: 婺城区 with two townships and a village each.
#pragma once

#include <string>

inline const char* kTestDirectory = R"(areas:
  - { code: "330702", name: 婺城区, tier: county }
  - { code: "330702102", name: 安地镇, tier: township, parent: "330702" }
  - { code: "330702100", name: 罗店镇, tier: township, parent: "330702" }
  - { code: "330702102201", name: 岩头村, tier: village, parent: "330702102", synthetic: true }
  - { code: "330702100201", name: 后溪村, tier: village, parent: "330702100", synthetic: true }
people:
  - id: county-leader
    name: 赵某一
    zzd: "100001"
    posts: [{ area: "330702", role: leader_on_duty, seat: A }]
  - id: anding-head
    name: 钱某一
    zzd: "100002"
    mobile: "19900000002"
    posts:
      - { area: "330702102", role: township_head, seat: A }
      - { area: "330702102201", role: flood_chief, seat: A }
  - id: anding-deputy
    name: 孙某一
    zzd: "100003"
    mobile: "19900000003"
    posts: [{ area: "330702102", role: township_head, seat: B }]
  - id: yantou-head
    name: 李某一
    zzd: "100004"
    posts: [{ area: "330702102201", role: village_head, seat: A }]
  - id: luodian-head
    name: 周某一
    zzd: "100005"
    posts: [{ area: "330702100", role: township_head, seat: A }]
  - id: houxi-head
    name: 吴某一
    zzd: "100006"
    posts: [{ area: "330702100201", role: village_head, seat: A }]
  - id: duty-officer
    name: 郑某一
    zzd: "100009"
    posts: [{ area: "330702", role: duty_officer, seat: A }]
)";
