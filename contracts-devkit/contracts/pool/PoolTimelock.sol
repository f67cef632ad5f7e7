// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title PoolTimelock
/// @notice OpenZeppelin's TimelockController under our name, so its artifact ships with ours. A
/// pool's timelock executes what its PoolGovernor passed, after `minDelay` seconds; `deployPool`
/// makes the governor its only proposer, canceller and executor and renounces the deployer's
/// admin role, so the timelock administers itself.
contract PoolTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
