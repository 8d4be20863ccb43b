/*
 * Waking the receivers of a lock-free queue (docs/design.md, "A queue
 * with no lock"), checked by Spin (test/model/lock-free-queue.test.ts
 * runs it): a sender pays one load for the wake when nobody sleeps, and no
 * wake-up is ever lost.
 *
 * A receiver that finds nothing raises the side's waiter count, reads the
 * side's futex word, looks at the slot once more, and only then sleeps on
 * the futex word with the value it read (the kernel returns at once if the
 * word has changed). A sender publishes its slot, then loads the waiter
 * count: only when it is not 0 does it bump the futex word and notify.
 * Every step is sequentially consistent (Atomics), which the argument
 * needs: a sender that saw no waiter published before the waiter raised
 * the count, so the waiter's second look sees the message.
 *
 * Checked: at the end, no receiver sleeps while a message it could take
 * is published (a lost wake-up), and every message is received.
 * Mutations: -DCOUNT_AFTER_LOOK (the waiter looks before it raises the
 * count), -DWORD_AFTER_LOOK (it reads the futex word after its second
 * look) and -DCHECK_COUNT_FIRST (the sender reads the count before it
 * publishes) must each be caught.
 */

#ifndef RECEIVERS
#define RECEIVERS 2
#endif
#define MESSAGES RECEIVERS

byte published = 0;   /* messages published and not yet taken */
byte taken = 0;
byte waiters = 0;     /* the side's waiter count */
byte futex = 0;       /* the side's futex word */
bool sleeping[RECEIVERS];

/* Atomics.notify: every sleeper on the futex word wakes. */
#define BUMP_AND_NOTIFY \
  atomic { \
    futex++; \
    i = 0; \
    do \
    :: i < RECEIVERS -> sleeping[i] = false; i++ \
    :: else -> break \
    od \
  }

proctype Sender() {
  byte k = 0, i;
  do
  :: k == MESSAGES -> break
  :: else ->
#ifdef CHECK_COUNT_FIRST
    if
    :: waiters > 0 ->
      published++;
      BUMP_AND_NOTIFY
    :: else -> published++
    fi;
#else
    published++;
    if
    :: waiters > 0 -> BUMP_AND_NOTIFY
    :: else -> skip
    fi;
#endif
    k++
  od
}

proctype Receiver(byte me) {
  byte seen;
end_loop:
  do
  :: atomic { published > 0 -> published--; taken++ }
  :: atomic { published == 0 } ->
    /* Park: announce, read the word, look again, sleep. */
#ifdef COUNT_AFTER_LOOK
    if
    :: published > 0 -> goto again
    :: else -> skip
    fi;
    waiters++;
    seen = futex;
#else
#ifdef WORD_AFTER_LOOK
    waiters++;
    if
    :: published > 0 -> waiters--; goto again
    :: else -> skip
    fi;
    seen = futex;
#else
    waiters++;
    seen = futex;
    if
    :: published > 0 -> waiters--; goto again
    :: else -> skip
    fi;
#endif
#endif
    /* The futex wait: returns at once if the word moved, else sleeps until a notify. */
    atomic {
      if
      :: futex == seen -> sleeping[me] = true
      :: else -> skip
      fi
    };
end_sleep:
    !sleeping[me];
    waiters--;
again:
    skip
  od
}

proctype Checker() {
  timeout ->
  assert(published == 0 && taken == MESSAGES)
}

init {
  byte i;
  atomic {
    run Sender();
    i = 0;
    do
    :: i < RECEIVERS -> run Receiver(i); i++
    :: else -> break
    od;
    run Checker()
  }
}
