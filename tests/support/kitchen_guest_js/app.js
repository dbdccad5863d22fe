// The kitchen world's guest in JavaScript: every export echoes its input, so a host can check
// each value round-trips. The module `witkit new --lang js` scaffolds for
// `witkit:kitchen/kitchen`, with every stub filled in (the twin of ../kitchen_guest).

import * as store from "witkit:kitchen/store@0.1.0";
import log from "log";

export function add(a, b) {
  return (a + b) >>> 0;
}

export function greet(name) {
  log(1, `greeting ${name}`);
  return { text: `Hello, ${name}!`, count: [...name].length };
}

/** A counter owned by the plugin. */
class Counter {
  #value;

  constructor(start) {
    this.#value = start;
  }

  increment(by) {
    this.#value = (this.#value + by) >>> 0;
    return this.#value;
  }

  value() {
    return this.#value;
  }

  static merge(a, b) {
    return new Counter(a.value() + b.value());
  }
}

export const api = {
  echoEverything(e) {
    return e;
  },

  echoShape(s) {
    return s;
  },

  echoNested(x) {
    return x;
  },

  echoList(items) {
    return items;
  },

  unitResult(fail) {
    if (fail) throw { payload: undefined };
  },

  okOnly(fail) {
    if (fail) throw { payload: undefined };
    return 42;
  },

  errOnly(fail) {
    if (fail) throw { payload: "failed" };
  },

  both(fail) {
    if (fail) throw { payload: "blue" };
    return { x: 1, y: -2 };
  },

  import(from, in_, class_) {
    return `${from}:${in_}:${class_ ? "True" : "False"}`;
  },

  blobSize(b) {
    return b.read().length;
  },

  makeBlob(data) {
    return new store.Blob(data);
  },

  Counter,
};
