/** @module wink-porter2-stemmer types: the package ships none; it exports one function, word → stem. */
declare module 'wink-porter2-stemmer' {
  export default function stem(word: string): string;
}
