# ruff: noqa: E501  (question files are written as people write them, long lines included)
"""Question files written for these tests, one per format, each with the subtleties to check."""

from __future__ import annotations

GIFT = r"""// A comment line: ignored.
$CATEGORY: $course$/Networks/Routing Basics

::essay 1:: Describe how a router decides where a packet goes. {}

::port:: Which port does HTTPS use by default? {
    =443 # right: TLS over TCP
    ~80 # that is plain HTTP
    ~%25%8443 # used by some servers, not the default
    ####HTTPS listens on 443; see http://example.org/ports for the list.
}

// numerical: skipped
What is 6 times 7? {#42}

::match::Match protocols to layers. {
    =HTTP -> application
    =TCP -> transport
}

::multi::Which two are transport protocols? {
    ~%50%TCP
    ~%50%UDP
    ~%-100%IP
}

::six::Pick the letter A. {=A ~B ~C ~D ~E ~F}

::esc::Which one is a GIFT control character\: \{ or a? {
    =\{ with \\ before it
    ~a
}

::tf::[html]<p>The <b>TTL</b> field&nbsp;limits a packet's hops.</p>{TRUE#No!#Yes.####Each router lowers TTL by one.}

::short:: Name the protocol that maps IP addresses to MAC addresses. {=ARP =%100%Address Resolution Protocol =%50%RARP}

The {~UDP =TCP ~ICMP} protocol guarantees in-order delivery.

[markdown]Which is **bold** in Markdown? {=`**x**` ~`_x_`}

::port again:: Which port does HTTPS use by default? {=443 ~22}

http://example.org says: is this a comment? {T}
"""

GIFT_ONLY_ESSAY = "::e1:: Write an essay. {}\n\n::e2:: Another. {}\n"

GIFT_MALFORMED = """::a:: First question {=yes ~no

::b:: Second question has a stray } here

::c:: A fine one {=ok ~not ok}
"""

AIKEN = """What does DNS resolve?
A) Names to addresses
B) Addresses to names
C. Ports to services
ANSWER: A

Is <html class="cool"> & text kept as written?
A) True
B) False
ANSWER: A

Which letters are vowels?
A)A
B)B
C)E
ANSWER: A, C
"""

AIKEN_BROKEN = """A question with one option
A) Only
ANSWER: A

A question never finished
A) One
B) Two

A good question
A) Yes
B) No
ANSWER: B

Bad key
A) x
B) y
ANSWER: Q
"""

MOODLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category><text>$course$/top/Cloud Computing</text></category>
  </question>
  <question type="multichoice">
    <name><text>IaaS</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Which model gives you <em>virtual machines</em>?</p><pre>vm = create()
  vm.start()</pre>]]></text>
    </questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>IaaS: infrastructure.<br>PaaS: platform.</p>]]></text></generalfeedback>
    <single>true</single>
    <answer fraction="0" format="html"><text>SaaS</text></answer>
    <answer fraction="100" format="html"><text>IaaS</text><feedback><text>Right.</text></feedback></answer>
    <answer fraction="0" format="html"><text>PaaS &amp; FaaS</text></answer>
  </question>
  <question type="truefalse">
    <name><text>Elastic</text></name>
    <questiontext format="plain_text"><text>Clouds scale elastically.</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="shortanswer">
    <name><text>S3</text></name>
    <questiontext format="plain_text"><text>Which AWS service stores objects?</text></questiontext>
    <answer fraction="100"><text>S3</text></answer>
    <answer fraction="100"><text>Amazon S3</text></answer>
    <answer fraction="50"><text>Glacier</text></answer>
  </question>
  <question type="multichoice">
    <name><text>Two right</text></name>
    <questiontext format="plain_text"><text>Pick the two clouds.</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>AWS</text></answer>
    <answer fraction="50"><text>Azure</text></answer>
    <answer fraction="-100"><text>Excel</text></answer>
  </question>
  <question type="essay">
    <name><text>Essay</text></name>
    <questiontext format="plain_text"><text>Discuss.</text></questiontext>
  </question>
  <question type="kprime">
    <name><text>K</text></name>
    <questiontext format="plain_text"><text>Four statements.</text></questiontext>
  </question>
</quiz>
"""

XML_BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<quiz><question type="truefalse"><questiontext><text>&lol2;</text></questiontext></question></quiz>
"""

OPENTDB = """{"response_code":0,"results":[
{"category":"Science: Computers","type":"multiple","difficulty":"easy",
 "question":"What does &quot;CPU&quot; stand for?","correct_answer":"Central Processing Unit",
 "incorrect_answers":["Central Process Unit","Computer Personal Unit","Central Processor Unit"]},
{"category":"Science: Computers","type":"boolean","difficulty":"hard",
 "question":"The logo for Snapchat is a bell.","correct_answer":"False","incorrect_answers":["True"]},
{"category":"Science &amp; Nature","type":"multiple","difficulty":"medium",
 "question":"What is the chemical symbol for gold?","correct_answer":"Au",
 "incorrect_answers":["Ag","Gd","Go"]},
{"category":"Science: Computers","type":"multiple","difficulty":"medium",
 "question":"Which of these is &lt;b&gt;not&lt;/b&gt; a language?","correct_answer":"HTTP",
 "incorrect_answers":["Python","Go","Rust"]}
]}
"""

RED = """AUTHOR: Someone
DESCRIPTION: Networking trivia.
CONFIG:
  max_score: 10
Is UDP connection-oriented? (answer Yes or No):
- No
Which flag answer is a letter?:
- Y
What version of the protocol came after 1.9?:
- 1.10
- "1.10"
What year was TCP/IP standardised on ARPANET?:
- 1983
What is shown here? https://i.imgur.com/abcdefg.png:
- A router
- Router
What does ARP resolve?:
- MAC addresses
What does ARP resolve?:
- MAC address
"""

ANKI_HEADER = """#separator:tab
#html:true
#guid column:1
#notetype column:2
#deck column:3
#tags column:6
a1,b$c^\tBasic\tLanguages::Croatian::Spices - začini\t"<div>(mr)&nbsp;bosiljak</div>

<div>[sound:b.mp3]</div>"\tbasil\tfood
a2\tBasic\tLanguages::Croatian::Spices - začini\tcimet\t"<b>cinnamon</b><br>a bark"\tfood
a3\tCloze\tLanguages::Croatian::Spices - začini\t{{c1::kari}} is curry\t\tfood
"""

ANKI_PLAIN_TAB = "docker ps\tList running containers\t\ndocker rm [c]\tRemove a container&nbsp;\t\n"

ANKI_COMMA = (
    '#separator:comma\n#html:false\n#columns:Back,Front\n"4","2 + 2"\n"a list, with commas","What is this?"\n'
)

TASKLIST_MD = """## Networking quiz

#### Q1. Which layer does IP belong to?

- [ ] Transport
- [x] Network
- [ ] Application

**Explanation:** IP routes packets between networks.

#### Q2. What does this print?

```python
print("- [x] not an option")
```

- [x] `- [x] not an option`
- [ ] nothing

#### Q3. Which are transport protocols?

- [x] TCP
- [x] UDP
- [ ] IP

#### Q4. What is the main purpose of NAT?

a) To route
b) To share one public address

**Explanation:** The correct answer is b).
"""
