// Loaded on the search page only (book/_ext/glossary_zh.py), after Sphinx's searchtools.js and before the query runs.
(() => {
  // A query word that cannot match makes the whole search fail. The Chinese search index holds no word shorter than
  // two characters: drop such words ("A/B 测试" looks up 测试); a query made only of them is looked up as one word
  // ("p 值" looks up p值, the word the index holds for it). The index stems English words with a different stemmer
  // than this page (ICE is indexed as ice, the page's stemmer makes it ic): look up a word as typed when the index
  // holds it.
  const parseQuery = Search._parseQuery;
  const stemmer = new Stemmer();
  const held = (word) => Object.hasOwn(Search._index.terms, word) || Object.hasOwn(Search._index.titleterms, word);
  Search._parseQuery = (query) => {
    const parsed = parseQuery(query);
    const words = [...parsed[3]].map((word) => (held(word) ? word : stemmer.stemWord(word)));  // [3]: unstemmed
    const indexed = words.filter((word) => word.length >= 2);
    parsed[1] = new Set(indexed.length || !words.length ? indexed : [words.join("")]);
    return parsed;
  };

  // List each page once, at its best hit (a glossary term was listed as the term and again as the page text).
  const performSearch = Search._performSearch;
  Search._performSearch = (...args) => {
    const seen = new Set();
    const bestFirst = performSearch(...args).reverse();  // Sphinx orders the results best last
    return bestFirst.filter(([docname]) => !seen.has(docname) && seen.add(docname)).reverse();
  };
})();
