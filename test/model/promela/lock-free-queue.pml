/*
 * The lock-free message queue of docs/design.md ("A queue with no lock"),
 * with tasks that die at any step, checked exhaustively by Spin
 * (test/model/lock-free-queue.test.ts runs it).
 *
 * A slot's word holds its state, the position of its lap and, while claimed,
 * the claiming task: one word, so every transition below is one
 * compareExchange (an atomic block that tests, then writes) or one store.
 *
 *   FREE(p)       free for the sender of position p
 *   SCLAIM(X, p)  sender X is writing position p
 *   PUB(p)        published for the receiver of position p
 *   SKIP(p)       published empty: its sender died (the reaper's repair)
 *   RCLAIM(Y, p)  receiver Y is copying position p out
 *   FREE(p + CAP) after the receive: free for the next lap
 *
 * The tail and head are hints: a task claims the slot itself, then helps
 * the hint past it (anyone may: a claimed position is taken, whoever
 * claimed it), with a load and a plain store, so a hint may fall back a
 * position or two; it is never ahead of a position not taken. The
 * reaper, for a dead task, publishes its SCLAIM slot as SKIP and frees
 * its RCLAIM slot (the message is dropped with its receiver). Death: a task may stop between any two steps (MAYDIE), at
 * most MAXDEATHS of them, and at least one receiver lives.
 *
 * Checked, at the end (timeout: nothing can move any more): every message
 * whose send completed was received exactly once, or was taken by a
 * receiver that died; no message was received twice (at once); every live
 * sender finished; no slot is left claimed. With -DNP and `pan -l -f`:
 * no cycle in which no message is sent or received (nobody spins for ever
 * behind a dead task). Mutations (-DNO_SEND_REPAIR, -DNO_RECV_REPAIR,
 * -DNO_HELP, -DDATA_AFTER_PUBLISH) break one rule each, and Spin must
 * find it.
 */

#ifndef CAP
#define CAP 2
#endif
#ifndef SENDERS
#define SENDERS 2
#endif
#ifndef RECEIVERS
#define RECEIVERS 2
#endif
#ifndef PER_SENDER
#define PER_SENDER 2
#endif
#ifndef MAXDEATHS
#define MAXDEATHS 1
#endif

#define TASKS (SENDERS + RECEIVERS)
#define MESSAGES (SENDERS * PER_SENDER)

mtype = { FREE, SCLAIM, PUB, SKIP, RCLAIM };

mtype slot[CAP];
byte pos[CAP];
byte who[CAP];
byte data[CAP];
byte tail = 0;
byte head = 0;

bool dead[TASKS];
bool reaped[TASKS];
byte deaths = 0;

/* Ghosts: what the checks read. */
bool sent[MESSAGES];      /* the send of this message completed (published) */
byte received[MESSAGES];  /* receives of this message that completed */
bool lost[MESSAGES];      /* taken by a receiver that died */
bool senderDone[SENDERS];

byte receiverDeaths = 0;

#define MAYDIE \
  if \
  :: atomic { deaths < MAXDEATHS && (me < SENDERS || receiverDeaths + 1 < RECEIVERS) -> \
       deaths++; if :: me >= SENDERS -> receiverDeaths++ :: else -> skip fi; dead[me] = true }; goto stop \
  :: true -> skip \
  fi

/*
 * Helps a hint (tail or head) past position p: if it still reads p, a plain
 * store of p + 1 (two steps: another task may move the hint in between,
 * and the store then takes it back a position; a hint only has to be no
 * further than the first position not taken).
 */
#ifdef NO_HELP
#define HELP(hint, p) skip
#else
#define HELP(hint, p) if :: hint == p -> hint = p + 1 :: else -> skip fi
#endif

proctype Sender(byte me) {
  byte k = 0, t, p, i, m;
  mtype st;
  bool ok;
  do
  :: k == PER_SENDER -> break
  :: else ->
    MAYDIE;
    t = tail;
    i = t % CAP;
    MAYDIE;
    atomic { st = slot[i]; p = pos[i] }
    if
    :: st == FREE && p == t ->
      MAYDIE;
      /* The claim: compareExchange FREE(t) -> SCLAIM(me, t). */
      atomic {
        if
        :: slot[i] == FREE && pos[i] == t -> slot[i] = SCLAIM; who[i] = me; ok = true
        :: else -> ok = false
        fi
      }
      if
      :: ok ->
        MAYDIE;
        HELP(tail, t);
        MAYDIE;
        m = me * PER_SENDER + k;
#ifndef DATA_AFTER_PUBLISH
        data[i] = m;
        MAYDIE;
#endif
        /* The publish: one store (only the claimant writes a claimed slot; the reaper only once it is dead). */
        atomic { slot[i] = PUB; sent[m] = true };
#ifdef DATA_AFTER_PUBLISH
        data[i] = m;
#endif
progress_sent:
        k++
      :: else -> skip
      fi
    :: (st != FREE && p == t) || p > t ->
      /* Position t is taken (or long gone): move the hint on. */
      HELP(tail, t)
    :: p < t ->
      /* The slot still holds the previous lap: full. Wait for it to change. */
      (slot[i] != st || pos[i] != p)
    fi
  od;
  senderDone[me] = true;
stop:
  skip
}

proctype Receiver(byte me) {
  byte h, p, i, m;
  mtype st;
  bool ok;
end_loop:
  do
  :: MAYDIE;
    h = head;
    i = h % CAP;
    MAYDIE;
    atomic { st = slot[i]; p = pos[i] }
    if
    :: st == PUB && p == h ->
      MAYDIE;
      atomic {
        if
        :: slot[i] == PUB && pos[i] == h -> slot[i] = RCLAIM; who[i] = me; ok = true
        :: else -> ok = false
        fi
      }
      if
      :: ok ->
        MAYDIE;
        HELP(head, h);
        MAYDIE;
        m = data[i];
        MAYDIE;
        /* The free: one store; the receive is complete. */
        atomic { slot[i] = FREE; pos[i] = h + CAP; received[m]++ };
progress_received:
        assert(received[m] == 1)
      :: else -> skip
      fi
    :: st == SKIP && p == h ->
      atomic { if :: slot[i] == SKIP && pos[i] == h -> slot[i] = FREE; pos[i] = h + CAP :: else -> skip fi };
      MAYDIE;
      HELP(head, h)
    :: (st == RCLAIM && p == h) || p > h ->
      HELP(head, h)
    :: (st == FREE || st == SCLAIM) && p == h ->
      /* Empty, or being written: wait for the slot to change. */
end_wait:
      (slot[i] != st || pos[i] != p)
    :: p < h ->
      /* Still the previous lap (a receiver copying it out): nothing for us yet. */
end_wait_lap:
      (slot[i] != st || pos[i] != p)
    fi
  od;
stop:
  skip
}

/* The supervisor's reap of task x once it is dead: repairs its claims, exactly once each (a compareExchange). */
proctype Reaper(byte x) {
  byte i = 0;
end_alive:
  dead[x] ->
  do
  :: i < CAP ->
    atomic {
      if
#ifndef NO_SEND_REPAIR
      :: slot[i] == SCLAIM && who[i] == x -> slot[i] = SKIP
#endif
#ifndef NO_RECV_REPAIR
      :: slot[i] == RCLAIM && who[i] == x -> lost[data[i]] = true; slot[i] = FREE; pos[i] = pos[i] + CAP
#endif
      :: else -> skip
      fi
    };
    i++
  :: else -> break
  od;
  reaped[x] = true
}

/* Once nothing can move: what the queue promised. */
proctype Checker() {
  byte m, s, i;
  timeout ->
  atomic {
    m = 0;
    do
    :: m < MESSAGES ->
      assert(received[m] <= 1);
      if
      :: sent[m] -> assert(received[m] + lost[m] == 1)
      :: else -> assert(received[m] == 0)
      fi;
      m++
    :: else -> break
    od;
    s = 0;
    do
    :: s < SENDERS -> assert(dead[s] || senderDone[s]); s++
    :: else -> break
    od;
    i = 0;
    do
    :: i < CAP -> assert(slot[i] != SCLAIM && slot[i] != RCLAIM); i++
    :: else -> break
    od
  }
}

init {
  byte i;
  atomic {
    i = 0;
    do
    :: i < CAP -> slot[i] = FREE; pos[i] = i; i++
    :: else -> break
    od;
    i = 0;
    do
    :: i < SENDERS -> run Sender(i); i++
    :: else -> break
    od;
    do
    :: i < TASKS -> run Receiver(i); i++
    :: else -> break
    od;
    i = 0;
    do
    :: i < TASKS -> run Reaper(i); i++
    :: else -> break
    od;
    run Checker()
  }
}
