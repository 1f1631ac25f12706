/**
 * @module vocabulary: a general software and SaaS vocabulary for search: abbreviations (PR, MR, repo, DM, k8s),
 * command names (mkdir, ls, grep), everyday words for what tools call otherwise (folder for directory, ticket for
 * issue, picture for image) and product aliases (mongo, pg). A query word or phrase found here also searches for its
 * equivalents, at a lower weight than the words actually typed. The table is about the domain, not about any one
 * catalog: it must hold for any set of servers.
 *
 * Each line is `a, b, c` (all equivalent) or `a > b, c` (a also means b and c, not the other way: an abbreviation or
 * a command, or a broad everyday word that would be too loose the other way round).
 */
import { stemWord, tokenize } from './tokenize.js';

const TABLE = `
folder, directory, dir
repo > repository
repository, repo
delete, remove, erase, drop, destroy
rm > delete, remove
create, new, make, add
update, edit, modify, change
show > list, get, view, display
display > show, list, get
view > get, list, show
find, search, lookup, look up, locate
run, execute, exec, trigger, launch, start, kick off
stop, kill, terminate, cancel, abort, halt
dm > direct message, message, send
direct message > message, send
msg > message
ping > message, send
send, post
reply, respond, answer
react > reaction, emoji
emoji > reaction
issue, ticket
bug > issue, error
file a bug > create issue
file an issue > create issue
file a ticket > create issue
report a bug > create issue
todo > task
to do > task
to-do > task
action item > task
pr > pull request
prs > pull request
mr > merge request
squash > merge
who am i > viewer, current user, self, me, authenticated user
whoami > viewer, current user, self, me, authenticated user
my account > viewer, current user, self, me
user, member, person, people, teammate
email, mail, e-mail
inbox > received email
newsletter > broadcast, campaign
campaign, broadcast
subscriber > contact
unsubscribe > suppression, suppress, opt out
image, picture, photo, pic
video, clip, movie
screenshot, screen capture, screengrab
transcript, subtitles, captions
google > web search, search
online > web search
website, site, web page, webpage
url, link
scrape, extract
sitemap > map, urls, links
crawl, spider
db > database
row > record, entry
column > field, list
sql > query
postgres, postgresql, pg, psql
mongo > mongodb
k8s > kubernetes, kubectl
kube > kubernetes, kubectl
kubernetes, kubectl
gh > github
js > javascript
ts > typescript
py > python
deploy, deployment, rollout
restart > rollout
rollback, roll back, revert, undo
ssh > exec, shell
shell, terminal, command line, console, bash
log, logs, output
error, exception, crash
fail, failed, failing, failure, broken
flaky, intermittent, unstable, flake
ci > pipeline, build, continuous integration
pipeline, workflow
artifact, build output
calendar > event
meeting > event
remember > memory, observation, entity
memorize > memory, observation, entity
forget > delete, memory, entity
wiki > page, documentation, space
doc > document
docs > documentation, document
sprint > cycle, iteration
iteration, cycle
label, tag
close > resolve, complete, done
done, complete, completed, finished, resolved
duplicate, copy
rename > move
mv > move, rename
cp > copy
mkdir > create directory
ls > list directory
cat > read file
pwd > working directory
grep > search content, search text
touch > create file
du > size, disk usage
ps > list processes
size, disk usage, space
how big > size
last modified > modified, file info, metadata
metadata, info, information
directions, route
how far > distance
travel time > distance, duration
coordinates, latitude, longitude, geocode
elevation, altitude, sea level
restaurant > place, business
near me > local, nearby
nearby, local
news, headlines
research, investigate
summarize, summary, tldr
schema, structure
how many > count, number
api key > key, token
token, secret, credential
webhook, web hook
login, log in, sign in
logout, log out, sign out
notification, alert
dropdown, select, option
popup, dialog, modal, alert
click, press, tap
type > fill, input, enter text
hover, mouse over
go back > navigate back, previous page
dark mode > color scheme, media
go to > navigate
visit > navigate
browse > navigate
javascript, script
network calls > network requests
api calls > network requests
drag, drop, drag and drop
upload, attach
star, favorite, bookmark
watch, subscribe, follow, monitor
think > reasoning, thought, thinking
step by step > sequential, thinking
reason > thought, reasoning
history, log, timeline
diff, difference, compare, changes
blame > authorship, who modified
who wrote > blame, authorship
stash, shelve
stage > add, staging
version > tag, release
upstream, remote, origin
env > environment
environment variable > environment
add up > sum
plus > sum
compress, zip, gzip
credits > credit, usage, balance
billing > credit, usage
paper, publication, study
guild > server
org > organization
board, kanban
checklist, check list
tick off > complete, check
blocked by > relation, blocks, dependency
blocks > relation, dependency
depends on > dependency, dependencies
sub-issue > subtask, sub-task, child
subissue > subtask, child
append > add, children
mailing list > audience, segment, contacts
due date, deadline
approve > review, approval
lgtm > approve, review
checks > status
green > passing, status
`;

/** One equivalent of a query phrase: its search terms and how much a match counts. */
export interface Expansion {
  terms: string[];
  weight: number;
}

/** Phrase key (stemmed words joined by spaces) → what it also means. */
const EXPANSIONS: ReadonlyMap<string, readonly string[][]> = build(TABLE);
/** The longest phrase in the table, in words: bounds the look-up per query position. */
export const MAX_PHRASE_WORDS = Math.max(...[...EXPANSIONS.keys()].map((k) => k.split(' ').length));

/** The key of a phrase: its words (splitWords), each stemmed, stop words kept ("who am i"). */
export function phraseKey(words: readonly string[]): string {
  return words.map(stemWord).join(' ');
}

/** What the words `words` (already split, lowercase) also mean, as lists of search terms; empty if nothing. */
export function equivalentsOf(words: readonly string[]): readonly string[][] {
  const found = EXPANSIONS.get(phraseKey(words));
  if (found) return found;
  // The stemmer leaves short words alone (they are mostly abbreviations): fold their plural here ("PRs", "DMs").
  const word = words.length === 1 ? words[0]! : '';
  return word.length > 2 && word.endsWith('s') ? (EXPANSIONS.get(phraseKey([word.slice(0, -1)])) ?? []) : [];
}

function build(table: string): Map<string, string[][]> {
  const map = new Map<string, string[][]>();
  const add = (from: string, to: string): void => {
    const key = phraseKey(splitPhrase(from));
    if (key === phraseKey(splitPhrase(to))) return;
    const terms = tokenize(to);
    if (terms.length === 0) return;
    const list = map.get(key) ?? [];
    if (!list.some((t) => t.join(' ') === terms.join(' '))) list.push(terms);
    map.set(key, list);
  };
  for (const raw of table.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const arrow = line.indexOf(' > ');
    if (arrow !== -1) {
      const from = line.slice(0, arrow);
      for (const to of line.slice(arrow + 3).split(',')) add(from, to.trim());
    } else {
      const group = line.split(',').map((s) => s.trim());
      for (const from of group) for (const to of group) if (from !== to) add(from, to);
    }
  }
  return map;
}

/** A phrase's words as the query side sees them: split at separators only, lowercased. */
function splitPhrase(phrase: string): string[] {
  return phrase
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}
