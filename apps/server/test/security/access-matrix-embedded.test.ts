import { accessMatrixSuite } from "./access-matrix.ts";

// Every route × every actor, embedded (the rules and the suite: access-matrix.ts).
accessMatrixSuite("embedded");
