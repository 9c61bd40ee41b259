/**
 * The FAQ: questions citizens often ask, with keywords and a plain-language answer, and the
 * matching that picks an answer for a message. Edit the table to change what the bot knows.
 *
 * Matching is deliberately simple and deterministic: a message is cut into lower-case words; an
 * entry scores one point per keyword that starts one of those words ("repair" matches "repairs",
 * "repaired"); the entry with the most points wins if it has at least `minScore` of them (ties go
 * to the entry listed first). No model, no randomness: the same message always gets the same answer.
 */

/** One question the bot can answer. */
export interface FaqEntry {
  /** Stable id, for logs and tests. */
  id: string;
  /** Topics it applies to (conversation topics such as `street-light`), or `'*'` for every topic. */
  topics: readonly string[] | '*';
  /** The question as a citizen would ask it (the greeting suggests some). */
  question: string;
  /** Words or word beginnings that point to this question, lower case. */
  keywords: readonly string[];
  /** Keywords a message must contain for this entry to match. @defaultValue 2 */
  minScore?: number;
  /** The answer, in plain language. */
  answer: string;
}

/** The FAQ the bot ships with: street lights, potholes, waste collection. */
export const defaultFaq: readonly FaqEntry[] = [
  {
    id: 'street-light-repair-time',
    topics: ['street-light'],
    question: 'How long does it take to repair a street light?',
    keywords: ['how long', 'when', 'repair', 'fix', 'time', 'days', 'take'],
    answer:
      'Most broken street lights are repaired within 5 working days. If the pole is damaged or cables must be replaced, it can take up to 3 weeks; we will tell you in this conversation.',
  },
  {
    id: 'street-light-report',
    topics: ['street-light'],
    question: 'What do you need to know about the broken light?',
    keywords: ['what', 'need', 'report', 'information', 'details', 'know'],
    answer:
      'Please tell us the street and the nearest house number, and the number on the pole (a small plate about 2 metres up) if you can see it. A photo helps too.',
  },
  {
    id: 'street-light-danger',
    topics: ['street-light'],
    question: 'There are loose cables or the pole is leaning. What should I do?',
    keywords: ['cable', 'wire', 'spark', 'lean', 'fall', 'danger', 'electric'],
    minScore: 1,
    answer:
      'Keep away from it and keep others away. Call the emergency line 112 now: damaged poles and loose cables are dangerous and are repaired the same day.',
  },
  {
    id: 'pothole-repair-time',
    topics: ['pothole'],
    question: 'When will the pothole be fixed?',
    keywords: ['how long', 'when', 'repair', 'fix', 'fill', 'time', 'days'],
    answer:
      'Dangerous potholes on main roads are made safe within 24 hours. Others are filled within 2 weeks, and in winter a temporary repair is made until the weather allows a lasting one.',
  },
  {
    id: 'pothole-damage',
    topics: ['pothole'],
    question: 'My car was damaged by a pothole. Can I get compensation?',
    keywords: ['damage', 'tyre', 'tire', 'wheel', 'car', 'compensation', 'claim', 'pay'],
    answer:
      'You can file a damage claim with the city within 30 days. Keep photos of the pothole and the damage and the repair bill; we will send you the claim form in this conversation if you ask for a person.',
  },
  {
    id: 'waste-missed-pickup',
    topics: ['waste'],
    question: 'My bin was not emptied. What now?',
    keywords: ['bin', 'missed', 'not emptied', 'pickup', 'pick up', 'collect', 'forgot'],
    answer:
      'Leave the bin out by the street. A missed collection that you report before 6 pm is collected the next working day.',
  },
  {
    id: 'waste-bulky',
    topics: ['waste'],
    question: 'How do I get rid of furniture or other bulky waste?',
    keywords: ['bulky', 'furniture', 'sofa', 'mattress', 'fridge', 'large', 'big'],
    minScore: 1,
    answer:
      'Bulky waste is collected for free twice a year per household: book a date in the city app or here with a person. You can also bring it to a recycling centre any day except Sunday.',
  },
  {
    id: 'opening-hours',
    topics: '*',
    question: 'When is the city service centre open?',
    keywords: ['open', 'opening', 'hours', 'closed', 'office', 'visit'],
    answer: 'The city service centre is open Monday to Friday, 8 am to 6 pm, and Saturday, 9 am to 1 pm.',
  },
];

/**
 * Words that ask for a person instead of the bot. Kept short on purpose: words such as "someone"
 * appear in ordinary reports ("someone broke the light") and would hand over too eagerly.
 */
export const humanRequestWords: readonly string[] = ['human', 'agent', 'person', 'staff', 'operator', 'employee'];

/** Lower-case words of a text, with punctuation removed (letters and digits of any script kept). */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

/** Whether a keyword (one word or a phrase of words) appears in `words`, each word matched as a prefix. */
function containsKeyword(words: readonly string[], keyword: string): boolean {
  const parts = wordsOf(keyword);
  if (parts.length === 0) return false;
  for (let i = 0; i + parts.length <= words.length; i += 1) {
    // Only the last word of a phrase may be a prefix ("pick up" matches "pick ups", not "picky up").
    if (parts.every((part, j) => (j === parts.length - 1 ? (words[i + j] as string).startsWith(part) : words[i + j] === part))) return true;
  }
  return false;
}

/**
 * The FAQ entry that answers `text` in a conversation of `topic`, or `null` when none matches well
 * enough.
 *
 * @param faq - the table to search
 * @param topic - the conversation's topic; only entries for it (or for every topic) are considered
 * @param text - the citizen's message
 */
export function matchFaq(faq: readonly FaqEntry[], topic: string, text: string): FaqEntry | null {
  const words = wordsOf(text);
  let best: FaqEntry | null = null;
  let bestScore = 0;
  for (const entry of faq) {
    if (entry.topics !== '*' && !entry.topics.includes(topic)) continue;
    const score = entry.keywords.filter((keyword) => containsKeyword(words, keyword)).length;
    if (score >= (entry.minScore ?? 2) && score > bestScore) {
      best = entry;
      bestScore = score;
    }
  }
  return best;
}

/** Whether `text` asks for a person ("Can I talk to a human?", "agent please"). */
export function asksForHuman(text: string): boolean {
  const words = wordsOf(text);
  return humanRequestWords.some((word) => words.includes(word));
}
