/*
 * Destroying a lock-free queue while operations may be under way
 * (docs/design.md, "A queue with no lock"), checked by Spin
 * (test/model/lock-free-queue.test.ts runs it).
 *
 * With no queue lock, nothing stops a task that has looked up its handle
 * from touching the queue's slots after the queue was destroyed and its
 * pages went to another object. So every operation first notes, in its own
 * task record, the queue it works on (one store to a line only it writes),
 * then checks that the queue is not destroyed; it clears the note when it
 * is done. Destroying sets the destroyed flag, then waits until no live
 * task's note names the queue (a dead task's note is cleared by its reap,
 * after its claims are repaired), and only then frees the pages. Note and
 * flag are each written before the other side reads them (a store, then a
 * load of the other's word, both sequentially consistent), so either the
 * operation sees the flag or the destroyer sees the note.
 *
 * Checked: no task touches a slot once the pages are freed (FREED), and
 * the destroyer is never stuck behind a note nobody will clear. Mutations:
 * -DCHECK_BEFORE_NOTE (the flag is read before the note is written) and
 * -DNO_WAIT (the destroyer frees at once), -DREAP_IN_DESTROYED (the reaper
 * repairs in a destroyed queue) must each be caught, and -DREAP_KEEPS_NOTE
 * (a dead task's note stays) must leave the destroyer stuck.
 */

#ifndef TASKS
#define TASKS 2
#endif
#ifndef OPS
#define OPS 2
#endif

bool destroyed = false;
bool freed = false;
bool note[TASKS];
bool dead[TASKS];
byte deaths = 0;
byte slotWord = 0;   /* stands for every slot of the queue */

#define TOUCH(expr) atomic { assert(!freed); expr }

#define MAYDIE \
  if \
  :: atomic { deaths < 1 -> deaths++; dead[me] = true }; goto stop \
  :: true -> skip \
  fi

proctype Task(byte me) {
  byte k = 0;
  do
  :: k == OPS -> break
  :: else ->
#ifdef CHECK_BEFORE_NOTE
    if
    :: destroyed -> break
    :: else -> skip
    fi;
    MAYDIE;
    note[me] = true;
#else
    note[me] = true;
    MAYDIE;
    if
    :: destroyed -> note[me] = false; break
    :: else -> skip
    fi;
#endif
    MAYDIE;
    /* The operation's steps on the slots: a claim, a write, a publish. */
    TOUCH(slotWord++);
    MAYDIE;
    TOUCH(slotWord++);
    MAYDIE;
    note[me] = false;
    k++
  od;
stop:
  skip
}

/*
 * The reap of task x: repairs its claims, then clears its note. Not in a
 * destroyed queue: the task may have died between its note and its look
 * at the flag, after the destroyer passed its note, and the pages may be
 * gone. Its claims there (made before the destroy) are the destroyer's to
 * clear, which waits for this note.
 */
proctype Reaper(byte x) {
end_alive:
  dead[x] ->
  if
#ifdef REAP_IN_DESTROYED
  :: note[x] -> TOUCH(slotWord++)
#else
  :: note[x] && !destroyed -> TOUCH(slotWord++)
#endif
  :: else -> skip
  fi;
#ifndef REAP_KEEPS_NOTE
  note[x] = false
#endif
}

/* Whoever closes the last handle: destroys the queue while the tasks may still be in it. */
proctype Destroyer() {
  byte x;
  destroyed = true;
#ifndef NO_WAIT
  x = 0;
  do
  :: x < TASKS ->
    /* Waits for the note to clear: the task finishes its operation, or dies and is reaped. */
    !note[x];
    x++
  :: else -> break
  od;
#endif
  /* The destroy's own clean-up of every slot (calls and handles still in them, claims of the dead). */
  TOUCH(slotWord = 0);
  freed = true
}

init {
  byte i;
  atomic {
    i = 0;
    do
    :: i < TASKS -> run Task(i); run Reaper(i); i++
    :: else -> break
    od;
    run Destroyer()
  }
}
