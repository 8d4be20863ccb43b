/** synckit's worker for the wrap-sync benchmark: `add(a, b)` through runAsWorker. */
import { runAsWorker } from 'synckit';

runAsWorker((a: number, b: number) => a + b);
